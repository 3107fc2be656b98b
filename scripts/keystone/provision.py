"""Create the projects, users and role assignments of the Iris test Keystone.

Usage: provision.py IDENTITY_URL ADMIN_PASSWORD USER_PASSWORD

Talks to the Identity API v3 as the bootstrap admin (user "admin" in project
"admin", domain Default). Every step first looks the resource up by name, so
running it again changes nothing. Uses only the standard library.
"""
import json
import sys
import urllib.error
import urllib.request

DOMAIN = "default"
PROJECTS = ["iris-alpha", "iris-beta", "service"]
ROLES = ["admin", "member", "reader", "service"]
# (user, project, role); a user created here gets USER_PASSWORD.
ASSIGNMENTS = [
    ("alpha-member", "iris-alpha", "member"),
    ("alpha-reader", "iris-alpha", "reader"),
    ("beta-member", "iris-beta", "member"),
    ("iris", "service", "service"),
]


class Identity:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Auth-Token", self.token)
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None

    def find(self, collection, name):
        found = self.call("GET", "/%s?name=%s" % (collection, name))[collection]
        return found[0]["id"] if found else None

    def ensure(self, collection, name, fields):
        existing = self.find(collection, name)
        if existing is not None:
            return existing
        singular = collection[:-1]
        created = self.call("POST", "/" + collection, {singular: dict(fields, name=name)})
        print("created %s %s" % (singular, name), file=sys.stderr)
        return created[singular]["id"]


def admin_token(url, password):
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": DOMAIN}, "password": password}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"id": DOMAIN}}},
        }
    }
    request = urllib.request.Request(
        url.rstrip("/") + "/auth/tokens", data=json.dumps(body).encode(), method="POST"
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["X-Subject-Token"]


def main():
    url, admin_password, user_password = sys.argv[1:4]
    identity = Identity(url, admin_token(url, admin_password))
    projects = {name: identity.ensure("projects", name, {"domain_id": DOMAIN}) for name in PROJECTS}
    roles = {name: identity.ensure("roles", name, {}) for name in ROLES}
    for user, project, role in ASSIGNMENTS:
        user_id = identity.ensure(
            "users", user, {"domain_id": DOMAIN, "password": user_password, "default_project_id": projects[project]}
        )
        identity.call("PUT", "/projects/%s/users/%s/roles/%s" % (projects[project], user_id, roles[role]))


if __name__ == "__main__":
    try:
        main()
    except urllib.error.HTTPError as error:
        sys.exit("Identity API call failed: %s %s: %s" % (error.code, error.reason, error.read()[:500]))
