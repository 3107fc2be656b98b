"""Make name resolution and connections fail for every host outside 127.0.0.0/8 and ::1."""
import ipaddress
import socket

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_loopback_host(host):
    """Return True for None, a bind-to-any address, a loopback name or a loopback address."""
    if host is None:
        return True
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    name = str(host).strip().rstrip(".").lower()
    if name in ("", "*") or name in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _guard(resolve, name):
    def guarded(host, *args, **kwargs):
        if not is_loopback_host(host):
            raise socket.gaierror(
                socket.EAI_NONAME,
                "Name or service not known: %s (only loopback hosts resolve here)" % (host,),
            )
        return resolve(host, *args, **kwargs)

    guarded.__name__ = name
    guarded.__doc__ = resolve.__doc__
    return guarded


def _guard_connect(connect):
    # A numeric address skips getaddrinfo, so connections are checked too.
    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback_host(address[0]):
            raise ConnectionRefusedError("connection to %s refused: only loopback hosts are reachable here" % (address[0],))
        return connect(self, address)

    guarded.__name__ = connect.__name__
    return guarded


def install():
    """Replace the resolver functions and socket connects, once per process."""
    if getattr(socket, "_iris_netguard", False):
        return
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, name, _guard(getattr(socket, name), name))
    socket.socket.connect = _guard_connect(socket.socket.connect)
    socket.socket.connect_ex = _guard_connect(socket.socket.connect_ex)
    socket._iris_netguard = True
