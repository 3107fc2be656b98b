"""Loopback-only name resolution for the test Keystone's Python processes.

scripts/keystone-up.sh puts this folder first on PYTHONPATH, so every Python
process it starts imports this module at start-up. Only loopback names and
addresses then resolve: any other host fails like an unknown name, so no DNS
query and no connection can leave the machine. It replaces Debian's own
sitecustomize, which only installs the apport crash hook.
"""
import iris_netguard

iris_netguard.install()
