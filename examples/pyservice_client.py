"""The pyservice README's client, against a running service.

    python -m examples.pyservice_client http://127.0.0.1:8000

``Client(**api)`` takes the same api dict as the service; the URL given here replaces the
endpoint's scheme, host and port.
"""

from __future__ import annotations

import copy
import sys
from urllib.parse import urlsplit

from microrest.adapters import pyservice

from .pyservice_readme import api, call_service


def main(url: str) -> None:
    parts = urlsplit(url)
    target = copy.deepcopy(api)
    target["endpoint"].update(  # type: ignore[attr-defined]
        scheme=parts.scheme, host=parts.hostname, port=parts.port or 80
    )
    with pyservice.Client(**target) as client:
        call_service(client)
        try:
            client.get_item(id="no such id")
        except client.exceptions.DoesNotExist as exc:
            print("DoesNotExist:", *exc.args)
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080")
