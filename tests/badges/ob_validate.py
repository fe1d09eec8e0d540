"""Run the 1EdTech (IMS) Open Badges validator (`openbadges` on PyPI,
openbadges-validator-core) on one badge and print its report as JSON.

Usage: <validator python> ob_validate.py <assertion URL | baked image path> [email]

Run by tests/badges/test_validator.py with the interpreter of a separate virtualenv
(`make validator`): the validator pins libraries far older than the project's. Three
adaptations, none touching what is validated: names Python 3.10 moved out of
`collections` are put back for its dependencies; the `verify` URL that
openbadges-bakery reads from a baked SVG comes back as bytes under Python 3, which the
validator does not recognise as a URL, so it is decoded to text (PNG is unaffected);
and the Open Badges JSON-LD context (https://w3id.org/openbadges/v2) is answered from
the copy the validator ships, as the test machine has no internet. Every other URL is
fetched for real from the app.
"""

import collections
import collections.abc
import json
import sys

for _name in ("Mapping", "MutableMapping", "Iterable", "Sequence", "Callable"):
    setattr(collections, _name, getattr(collections.abc, _name))

import openbadges.verifier.tasks.input as input_module  # noqa: E402
import openbadges.verifier.verifier as verifier_module  # noqa: E402
import requests  # noqa: E402
from openbadges import verify  # noqa: E402
from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT  # noqa: E402

CONTEXT_URLS = ("https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json")
_request = requests.Session.request


def _request_with_bundled_context(self, method, url, *args, **kwargs):
    if any(url.startswith(u) for u in CONTEXT_URLS):
        response = requests.Response()
        response.status_code = 200
        response.url = url
        response._content = json.dumps(OPENBADGES_CONTEXT_V2_DICT).encode()
        response.headers["Content-Type"] = "application/ld+json"
        response.encoding = "utf-8"
        return response
    return _request(self, method, url, *args, **kwargs)


requests.Session.request = _request_with_bundled_context
_unbake = verifier_module.unbake


def _unbake_as_text(image_file):
    value = _unbake(image_file)
    return value.decode("utf-8") if isinstance(value, bytes) else value


verifier_module.unbake = input_module.unbake = _unbake_as_text


def main() -> None:
    target = sys.argv[1]
    profile = {"email": sys.argv[2]} if len(sys.argv) > 2 else None
    options = {"use_cache": False}
    if target.startswith("http"):
        result = verify(target, recipient_profile=profile, **options)
    else:
        with open(target, "rb") as image:
            result = verify(image, recipient_profile=profile, **options)
    json.dump({"report": result["report"], "graph": result["graph"]}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
