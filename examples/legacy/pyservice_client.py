# ruff: noqa
# fmt: off
"""pyservice 0.8.0 README: the client part. "# ... Same api definition above": the ``api``
comes from the caller's namespace (``runpy.run_path(..., init_globals={"api": api})``)."""
import pyservice

# ... Same api definition above

client = pyservice.Client(**api)

# put
item = "some string"
id = client.put_item(item=item)

# get
same_item = client.get_item(id=id)

assert item == same_item
