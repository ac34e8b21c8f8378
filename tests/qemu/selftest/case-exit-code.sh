# Harness self-test: a case that exits non-zero must fail.
# expect-failure: case exited 1
echo "this case fails on purpose"
false
