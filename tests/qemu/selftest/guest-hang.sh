# Harness self-test: a guest that never finishes must fail at the timeout.
# timeout: 20
# expect-failure: guest did not finish
sleep 100000
