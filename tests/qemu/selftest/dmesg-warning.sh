# Harness self-test: a WARNING in dmesg must fail the case even though it exits 0.
# expect-failure: kernel problems in dmesg
# expect-failure: dmesg: .*WARNING: harness self-test
echo "WARNING: harness self-test" >/dev/kmsg
