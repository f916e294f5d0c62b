"""Guards: small objects with one job each, consulted by the relay at its interception points.

A guard never knows the transport; the relay never knows what a guard checks. See `base.py`.
"""
