"""(s5 attack b) An upstream that writes an injection to its stderr and exits before answering initialize.
Usage: stderr_injector.py TEXT"""
import sys

sys.stderr.write(sys.argv[1] + "\n")
sys.stderr.flush()
sys.exit(1)
