# ruff: noqa: UP031, E501 - the original test apps use %-formatting and long signatures
"""The original suite's test apps, in both dialects.

``home_*`` is url_routing/content_types (HomeApp), ``arguments_*`` is arguments/validate
(ArgumentApp), ``filter_resource`` is filters, ``rest_resource`` is rest_app (Customer and
CustomerAddress services). ``*_service`` are final-dialect service classes for ``RESTResource``;
``*_corepost`` build the same routes with the README dialect (``app = CorePost(); @app.route``).
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any
from xml.etree import ElementTree

import yaml

from microrest.adapters.corepost import (
    IRequestFilter,
    IResponseFilter,
    NotFoundException,
    Response,
    defer,
)
from microrest.adapters.corepost.enums import MediaType
from microrest.adapters.corepost.optional import load_formencode
from microrest.adapters.corepost.web import CorePost, Http, RESTResource, route, validate

formencode = load_formencode("the test apps")  # imports it without its cgi DeprecationWarning
Schema = formencode.Schema
Regex = formencode.validators.Regex

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "text/xml"}
YAML = {"Content-Type": "text/yaml"}

# --- home (url_routing.feature, content_types.feature, issues.feature) ---------------------


class DB:
    """Stands in for the README's deferred database call: an awaitable result."""

    @staticmethod
    async def query(value: str) -> str:
        return value


class Test1:
    def __init__(self) -> None:
        self.test1 = "Test1"
        self.__private = "hidden"


class Test2:
    def __init__(self) -> None:
        self.test2 = "Test2"
        self.__private = "hidden"


RETURN_BY_ACCEPT = [{"test1": "Test1"}, {"test2": "Test2"}]


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, indent=4, width=130, default_flow_style=False)


class HomeApp:
    def __init__(self) -> None:
        self.issue1 = "issue 1"

    @route("/", Http.GET)
    @defer.inlineCallbacks
    def root(self, request, **kwargs):
        yield DB.query("ignored")
        request.write("%s" % kwargs)
        request.finish()

    @route("/test", Http.GET)
    def test(self, request, **kwargs):
        return "%s" % kwargs

    @route("/test/<int:numericid>/resource/<stringid>", Http.GET)
    def test_get_resources(self, request, numericid, stringid, **kwargs):
        return "%s - %s" % (numericid, stringid)

    @route("/post", (Http.POST,))
    def test_post(self, request, **kwargs):
        return "%s" % kwargs

    @route("/put", (Http.PUT,))
    def test_put(self, request, **kwargs):
        return "%s" % kwargs

    @route("/postput", (Http.POST, Http.PUT))
    def test_postput(self, request, **kwargs):
        return "%s" % kwargs

    @route("/delete", Http.DELETE)
    def test_delete(self, request, **kwargs):
        return "%s" % kwargs

    @route("/post/json", (Http.POST, Http.PUT))
    def test_json(self, request, **kwargs):
        return "%s" % request.json

    @route("/post/xml", (Http.POST, Http.PUT))
    def test_xml(self, request, **kwargs):
        return ElementTree.tostring(request.xml)

    @route("/post/yaml", (Http.POST, Http.PUT))
    def test_yaml(self, request, **kwargs):
        return dump_yaml(request.yaml)

    @route("/post/by/content", (Http.POST, Http.PUT), MediaType.APPLICATION_JSON)
    def test_content_app_json(self, request, **kwargs):
        return request.received_headers["content-type"]

    @route(
        "/post/by/content", (Http.POST, Http.PUT), (MediaType.TEXT_XML, MediaType.APPLICATION_XML)
    )
    def test_content_xml(self, request, **kwargs):
        return request.received_headers["content-type"]

    @route("/post/by/content", (Http.POST, Http.PUT), MediaType.TEXT_YAML)
    def test_content_yaml(self, request, **kwargs):
        return request.received_headers["content-type"]

    @route("/post/by/content", (Http.POST, Http.PUT))
    def test_content_catch_all(self, request, **kwargs):
        return MediaType.WILDCARD

    @route("/return/by/accept")
    def test_return_content_by_accepts(self, request, **kwargs):
        return RETURN_BY_ACCEPT

    @route("/return/by/accept/deferred")
    @defer.inlineCallbacks
    def test_return_content_by_accept_deferred(self, request, **kwargs):
        val = yield DB.query("ignored")
        defer.returnValue(RETURN_BY_ACCEPT if val else None)

    @route("/return/by/accept/class")
    def test_return_class_content_by_accepts(self, request, **kwargs):
        return (Test1(), Test2())

    @route("/issues/1")
    def test_issue_1(self, request, **kwargs):
        return self.issue1

    @route("/methods/head", Http.HEAD)
    def test_head_http(self, request, **kwargs):
        return ""

    @route("/methods/options", Http.OPTIONS)
    def test_options(self, request, **kwargs):
        return "OPTIONS"

    @route("/methods/patch", Http.PATCH)
    def test_patch(self, request, **kwargs):
        return "PATCH=%s" % kwargs


def home_service(compat: bool = False) -> RESTResource:
    return RESTResource((HomeApp(),), compat=compat)


def home_corepost(compat: bool = False) -> CorePost:
    """HomeApp in the seed README dialect: module-level functions on ``app.route``."""
    app = CorePost(compat=compat)

    @app.route("/", Http.GET)
    @defer.inlineCallbacks
    def root(request, **kwargs):
        yield DB.query("ignored")
        request.write("%s" % kwargs)
        request.finish()

    @app.route("/test", Http.GET)
    def test(request, **kwargs):
        return "%s" % kwargs

    @app.route("/test/<int:numericid>/resource/<stringid>", Http.GET)
    def test_get_resources(request, numericid, stringid, **kwargs):
        return "%s - %s" % (numericid, stringid)

    for url, methods in (("/post", Http.POST), ("/put", Http.PUT), ("/delete", Http.DELETE)):
        app.route(url, methods)(lambda request, **kwargs: "%s" % kwargs)
    app.route("/postput", (Http.POST, Http.PUT))(lambda request, **kwargs: "%s" % kwargs)

    @app.route("/post/json", (Http.POST, Http.PUT))
    def test_json(request, **kwargs):
        return "%s" % request.json

    @app.route("/post/xml", (Http.POST, Http.PUT))
    def test_xml(request, **kwargs):
        return ElementTree.tostring(request.xml)

    @app.route("/post/yaml", (Http.POST, Http.PUT))
    def test_yaml(request, **kwargs):
        return dump_yaml(request.yaml)

    def echo_type(request, **kwargs):
        return request.received_headers["content-type"]

    both = (Http.POST, Http.PUT)
    app.route("/post/by/content", both, MediaType.APPLICATION_JSON)(echo_type)
    app.route("/post/by/content", both, (MediaType.TEXT_XML, MediaType.APPLICATION_XML))(echo_type)
    app.route("/post/by/content", both, MediaType.TEXT_YAML)(echo_type)
    app.route("/post/by/content", both)(lambda request, **kwargs: MediaType.WILDCARD)

    app.route("/return/by/accept")(lambda request, **kwargs: RETURN_BY_ACCEPT)

    @app.route("/return/by/accept/deferred")
    async def deferred(request, **kwargs):
        return RETURN_BY_ACCEPT

    app.route("/return/by/accept/class")(lambda request, **kwargs: (Test1(), Test2()))
    app.route("/issues/1")(lambda request, **kwargs: "issue 1")
    app.route("/methods/head", Http.HEAD)(lambda request, **kwargs: "")
    app.route("/methods/options", Http.OPTIONS)(lambda request, **kwargs: "OPTIONS")
    app.route("/methods/patch", Http.PATCH)(lambda request, **kwargs: "PATCH=%s" % kwargs)
    return app


# --- arguments (arguments.feature, validate.feature) ----------------------------------------


class TestValidator(Schema):
    allow_extra_fields = True
    childId = Regex(r"^jacekf|test$")  # noqa: N815


def types_of(*values: Any) -> str:
    """The py3 form of the original's ``[(<type 'int'>, 1), ...]`` body."""
    return repr([(type(value).__name__, value) for value in values])


class ArgumentApp:
    @route("/int/<int:intarg>/float/<float:floatarg>/string/<stringarg>", Http.GET)
    def test(self, request, intarg, floatarg, stringarg, **kwargs):
        return types_of(intarg, floatarg, stringarg)

    @route("/formOrJson", Http.GET)
    def get_json(self, request, first, last, **kwargs):
        return "%s %s" % (first, last)

    @route("/formOrJson", (Http.POST, Http.PUT))
    def form_or_json(self, request, first, last, **kwargs):
        return "%s %s" % (first, last)

    @route("/validate/<int:rootId>/schema", Http.POST)
    @validate(schema=TestValidator())
    def post_validate_schema(self, request, rootId, childId, **kwargs):  # noqa: N803
        return "%s - %s - %s" % (rootId, childId, kwargs)

    @route("/validate/<int:rootId>/custom", Http.POST)
    @validate(childId=Regex(r"^jacekf|test$"))
    def post_validate_custom(self, request, rootId, childId, **kwargs):  # noqa: N803
        return "%s - %s - %s" % (rootId, childId, kwargs)


def arguments_service(compat: bool = False) -> RESTResource:
    return RESTResource((ArgumentApp(),), compat=compat)


def arguments_corepost(compat: bool = False) -> CorePost:
    app = CorePost(compat=compat)

    @app.route("/int/<int:intarg>/float/<float:floatarg>/string/<stringarg>", Http.GET)
    def test(request, intarg, floatarg, stringarg, **kwargs):
        return types_of(intarg, floatarg, stringarg)

    @app.route("/formOrJson", (Http.GET, Http.POST, Http.PUT))
    def form_or_json(request, first, last, **kwargs):
        return "%s %s" % (first, last)

    @app.route("/validate/<int:rootId>/schema", Http.POST)
    @validate(schema=TestValidator())
    def post_validate_schema(request, rootId, childId, **kwargs):  # noqa: N803
        return "%s - %s - %s" % (rootId, childId, kwargs)

    @app.route("/validate/<int:rootId>/custom", Http.POST)
    @validate(childId=Regex(r"^jacekf|test$"))
    async def post_validate_custom(request, rootId, childId, **kwargs):  # noqa: N803
        return "%s - %s - %s" % (rootId, childId, kwargs)

    return app


# --- filters (filters.feature) -------------------------------------------------------------


class FilterApp:
    @route("/", Http.GET)
    def root(self, request, **kwargs):
        return request.received_headers


class AddCustomHeaderFilter(IRequestFilter):
    def filterRequest(self, request):  # noqa: N802
        request.received_headers["Custom-Header"] = "Custom Header Value"


class Change404to503Filter(IResponseFilter):
    def filterResponse(self, request, response):  # noqa: N802
        if response.code == 404:
            response.code = 503


class WrapAroundFilter(IRequestFilter, IResponseFilter):
    def filterRequest(self, request):  # noqa: N802
        request.received_headers["X-Wrap-Input"] = "Input"
        request.received_headers.pop("user-agent", None)

    def filterResponse(self, request, response):  # noqa: N802
        response.headers["X-Wrap-Output"] = "Output"


def filter_resource(compat: bool = False) -> RESTResource:
    return RESTResource(
        (FilterApp(),),
        filters=(Change404to503Filter(), AddCustomHeaderFilter(), WrapAroundFilter()),
        compat=compat,
    )


# --- rest_app (rest_app.feature): customers and addresses in SQLite -------------------------


class CustomerDB:
    """One in-memory SQLite database per resource (thread-safe for threaded handlers)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute(
            "CREATE TABLE customer (customerId TEXT PRIMARY KEY, firstName TEXT, lastName TEXT)"
        )
        self.db.execute(
            "CREATE TABLE address (customerId TEXT, addressId TEXT, streetNumber TEXT, "
            "streetName TEXT, stateCode TEXT, countryCode TEXT, "
            "PRIMARY KEY (customerId, addressId))"
        )

    def run(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self.lock:
            rows = self.db.execute(sql, args).fetchall()
            self.db.commit()
            return rows


class Address:
    def __init__(self, streetNumber, streetName, stateCode, countryCode):  # noqa: N803
        self.streetNumber = streetNumber
        self.streetName = streetName
        self.stateCode = stateCode
        self.countryCode = countryCode


class Customer:
    def __init__(self, customerId, firstName, lastName, addresses):  # noqa: N803
        self.customerId = customerId
        self.firstName = firstName
        self.lastName = lastName
        self.addresses = addresses


def load_customer(db: CustomerDB, customer_id: str) -> Customer:
    rows = db.run(
        "SELECT customerId, firstName, lastName FROM customer WHERE customerId=?", customer_id
    )
    if not rows:
        raise NotFoundException("Customer", customer_id)
    addresses = {
        row[0]: Address(*row[1:])
        for row in db.run(
            "SELECT addressId, streetNumber, streetName, stateCode, countryCode FROM address "
            "WHERE customerId=?",
            customer_id,
        )
    }
    return Customer(*rows[0], addresses)


class CustomerRESTService:
    path = "/customer"

    def __init__(self, db: CustomerDB) -> None:
        self.db = db

    @route("/")
    def getAll(self, request):  # noqa: N802
        ids = [row[0] for row in self.db.run("SELECT customerId FROM customer")]
        return [load_customer(self.db, customer_id) for customer_id in ids]

    @route("/<customerId>")
    def get(self, request, customerId):  # noqa: N803
        return load_customer(self.db, customerId)

    @route("/", Http.POST)
    def post(self, request, customerId, firstName, lastName):  # noqa: N803
        self.db.run("INSERT INTO customer VALUES (?, ?, ?)", customerId, firstName, lastName)
        return Response(201)

    @route("/<customerId>", Http.PUT)
    def put(self, request, customerId, firstName, lastName):  # noqa: N803
        load_customer(self.db, customerId)
        self.db.run(
            "UPDATE customer SET firstName=?, lastName=? WHERE customerId=?",
            firstName,
            lastName,
            customerId,
        )
        return Response(200)

    @route("/<customerId>", Http.DELETE)
    def delete(self, request, customerId):  # noqa: N803
        load_customer(self.db, customerId)
        self.db.run("DELETE FROM address WHERE customerId=?", customerId)
        self.db.run("DELETE FROM customer WHERE customerId=?", customerId)
        return Response(200)

    @route("/", Http.DELETE)
    def deleteAll(self, request):  # noqa: N802
        self.db.run("DELETE FROM address")
        self.db.run("DELETE FROM customer")
        return Response(200)


class CustomerAddressRESTService:
    path = "/customer/<customerId>/address"

    def __init__(self, db: CustomerDB) -> None:
        self.db = db

    @route("/")
    def getAll(self, request, customerId):  # noqa: N802, N803
        return load_customer(self.db, customerId).addresses

    @route("/<addressId>")
    def get(self, request, customerId, addressId):  # noqa: N803
        addresses = load_customer(self.db, customerId).addresses
        if addressId not in addresses:
            raise NotFoundException("Address", addressId)
        return addresses[addressId]

    @route("/", Http.POST)
    def post(
        self, request, customerId, addressId, streetNumber, streetName, stateCode, countryCode
    ):  # noqa: E501, N803
        load_customer(self.db, customerId)
        self.db.run(
            "INSERT INTO address VALUES (?, ?, ?, ?, ?, ?)",
            customerId,
            addressId,
            streetNumber,
            streetName,
            stateCode,
            countryCode,
        )
        return Response(201)

    @route("/<addressId>", Http.PUT)
    def put(self, request, customerId, addressId, streetNumber, streetName, stateCode, countryCode):  # noqa: E501, N803
        self.get(request, customerId, addressId)
        self.db.run(
            "UPDATE address SET streetNumber=?, streetName=?, stateCode=?, countryCode=? "
            "WHERE customerId=? AND addressId=?",
            streetNumber,
            streetName,
            stateCode,
            countryCode,
            customerId,
            addressId,
        )
        return Response(200)

    @route("/<addressId>", Http.DELETE)
    def delete(self, request, customerId, addressId):  # noqa: N803
        self.get(request, customerId, addressId)
        self.db.run("DELETE FROM address WHERE customerId=? AND addressId=?", customerId, addressId)
        return Response(200)


def rest_resource(compat: bool = False) -> RESTResource:
    db = CustomerDB()
    return RESTResource((CustomerRESTService(db), CustomerAddressRESTService(db)), compat=compat)
