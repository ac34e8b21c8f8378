# Load and unload idcstat.ko in the stock kernel; both must leave a clean dmesg
# (the harness checks dmesg for Unknown symbol, WARNING, BUG, Oops, ...).
# timeout: 240
load_idcstat
module_loaded idcstat || fail "idcstat not in /proc/modules after insmod"
expect_dmesg '^\[ *[0-9.]+\] idcstat: loaded'
unload_idcstat
if module_loaded idcstat; then fail "idcstat still loaded after rmmod"; fi
expect_dmesg '^\[ *[0-9.]+\] idcstat: unloaded'
