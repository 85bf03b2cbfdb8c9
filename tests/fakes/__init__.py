"""Hand-written fakes for behaviour the AWS emulator lacks (see LAB.md's list of gaps)."""
