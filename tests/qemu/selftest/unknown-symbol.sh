# Harness self-test: loading a stock module without its dependencies logs
# "Unknown symbol", which must fail the case. stp needs llc, which is absent.
# ship-modules: stp
# expect-failure: kernel problems in dmesg
# expect-failure: dmesg: .*stp: Unknown symbol
if insmod /lib/modules/stock/stp.ko; then fail "stp loaded without llc"; fi
