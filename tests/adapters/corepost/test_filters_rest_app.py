"""filters.feature (38-39) and rest_app.feature (41-48), both modes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from tests.adapters.corepost.corepost_apps import FORM

from microrest.testing import Client


def test_response_filter_changes_404_to_503(filtered: Client) -> None:  # 38
    response = filtered.get("/wrongurl")
    assert response.status_code == 503
    assert response.text == "URL '/wrongurl' not found\n"
    assert response.headers["x-wrap-output"] == "Output"


def test_request_filters_edit_headers(filtered: Client) -> None:  # 39
    response = filtered.get("/", headers={"Accept": "application/json", "User-Agent": "test"})
    assert response.status_code == 200
    received = json.loads(response.text)
    assert received["custom-header"] == "Custom Header Value"
    assert received["x-wrap-input"] == "Input"
    assert received["accept"] == "application/json"
    assert "user-agent" not in received
    assert response.headers["x-wrap-output"] == "Output"


def test_filter_must_implement_an_interface() -> None:
    from microrest.adapters.corepost import RESTResource

    with pytest.raises(RuntimeError, match="must implement IRequestFilter or IResponseFilter"):
        RESTResource((), filters=(object(),))


CUSTOMER_KEYS = {"addresses", "customerId", "firstName", "lastName"}


@pytest.fixture
def customers(rest: Client) -> Iterator[Client]:
    assert rest.delete("/customer").status_code == 200
    for number in (1, 2, 3):
        body = f"customerId=d{number}&firstName=John&lastName=Doe{number}"
        assert rest.post("/customer", content=body, headers=FORM).status_code == 201
    yield rest


def customer(number: str, last: str, first: str = "John") -> dict[str, object]:
    return {"addresses": {}, "customerId": number, "firstName": first, "lastName": last}


def test_get_all(customers: Client) -> None:  # 41
    response = customers.get("/customer")
    assert response.status_code == 200
    found = sorted(json.loads(response.text), key=lambda item: item["customerId"])
    assert found == [customer("d1", "Doe1"), customer("d2", "Doe2"), customer("d3", "Doe3")]


def test_create_and_get(customers: Client) -> None:  # 42
    body = "customerId=c1&firstName=John&lastName=Doe"
    assert customers.post("/customer", content=body, headers=FORM).status_code == 201
    response = customers.get("/customer/c1")
    assert response.status_code == 200
    assert json.loads(response.text) == customer("c1", "Doe")


def test_update(customers: Client) -> None:  # 43
    customers.post("/customer", content="customerId=c1&firstName=John&lastName=Doe", headers=FORM)
    body = "firstName=Jill&lastName=Jones"
    assert customers.put("/customer/c1", content=body, headers=FORM).status_code == 200
    assert json.loads(customers.get("/customer/c1").text) == customer("c1", "Jones", "Jill")


def test_delete_one(customers: Client) -> None:  # 44
    customers.post("/customer", content="customerId=c1&firstName=John&lastName=Doe", headers=FORM)
    assert customers.delete("/customer/c1").status_code == 200
    response = customers.get("/customer/c1")
    assert response.status_code == 404
    assert response.text == "Unable to find Customer identified by 'c1'"
    assert response.headers["x-corepost-resource"] == "Customer"
    assert response.headers["x-corepost-value"] == "c1"


def test_delete_all(customers: Client) -> None:  # 45
    assert customers.delete("/customer").status_code == 200
    response = customers.get("/customer")
    assert (response.status_code, json.loads(response.text)) == (200, [])


HOME = {"countryCode": "US", "stateCode": "CA", "streetName": "MyStreet", "streetNumber": "100"}


def add_home(client: Client) -> None:
    body = "addressId=HOME&streetNumber=100&streetName=MyStreet&stateCode=CA&countryCode=US"
    assert client.post("/customer/d1/address", content=body, headers=FORM).status_code == 201


def test_addresses(customers: Client) -> None:  # 46
    response = customers.get("/customer/d1/address")
    assert (response.status_code, json.loads(response.text)) == (200, {})
    add_home(customers)
    response = customers.get("/customer/d1/address/HOME")
    assert (response.status_code, json.loads(response.text)) == (200, HOME)
    assert json.loads(customers.get("/customer/d1").text)["addresses"] == {"HOME": HOME}


def test_update_and_delete_address(customers: Client) -> None:  # 47
    add_home(customers)
    body = "streetNumber=1002&streetName=MyStreet2&stateCode=CA&countryCode=US"
    assert customers.put("/customer/d1/address/HOME", content=body, headers=FORM).status_code == 200
    found = json.loads(customers.get("/customer/d1/address/HOME").text)
    assert (found["streetName"], found["streetNumber"]) == ("MyStreet2", "1002")
    assert customers.delete("/customer/d1/address/HOME").status_code == 200
    assert customers.get("/customer/d1/address/HOME").status_code == 404


def as_dict(element: ElementTree.Element) -> object:
    if len(element) == 0:
        return element.text or {}
    return {child.tag: as_dict(child) for child in element}


def test_xml_output(customers: Client) -> None:  # 48
    xml = {"Accept": "application/xml"}
    root = ElementTree.fromstring(customers.get("/customer", headers=xml).text)
    assert root.tag == "list"
    items = sorted((as_dict(item) for item in root), key=lambda item: item["customerId"])  # type: ignore[index]
    assert items[1] == customer("d2", "Doe2")
    one = ElementTree.fromstring(customers.get("/customer/d2", headers=xml).text)
    assert one.tag == "item"
    assert as_dict(one) == customer("d2", "Doe2")
    add_home(customers)
    one = ElementTree.fromstring(customers.get("/customer/d1", headers=xml).text)
    assert as_dict(one)["addresses"] == {"HOME": HOME}  # type: ignore[index]


def test_wrong_method_on_parameterised_url(rest: Client, compat: bool) -> None:
    """The original gave 404 here but 501 on static URLs; both are 501 (compat) or 405."""
    assert rest.post("/customer/d1").status_code == (501 if compat else 405)
