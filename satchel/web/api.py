"""The JSON API's bundles, locales, manifests, updates and objects: thin MethodViews
over ``content``.

Schemas in ``web.schemas`` declare every response; flask-smorest turns them into
``/api/openapi.json``. Errors all leave through ``errors.error_response``.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from pathlib import Path

from flask import Response, current_app, jsonify, request, send_file, stream_with_context
from flask.views import MethodView

from ..store import (
    ENCODINGS,
    OBJECT_NAME,
    SEGMENT_MAGIC,
    SLUG_MAX,
    SLUG_PATTERN,
    encoded,
)
from . import content, language
from .content import LOCALE_PATTERN
from .errors import ApiError
from .language import _
from .schemas import (
    BundleSummarySchema,
    ChangesQuerySchema,
    ChangesSchema,
    DownloadSchema,
    ErrorSchema,
    HealthSchema,
    LocaleSchema,
    ManifestSchema,
    PublisherKeysSchema,
    UiCatalogSchema,
)
from .v1 import blp


def path_parameter(name: str, description: str, **schema) -> dict:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "description": description,
        "schema": {"type": "string", **schema},
    }


BUNDLE_PARAMETER = path_parameter("bundle", "A bundle id", pattern=SLUG_PATTERN, maxLength=SLUG_MAX)
LOCALE_PARAMETER = path_parameter(
    "locale", "A BCP 47 locale such as en or pt-BR", pattern=f"^{LOCALE_PATTERN}$"
)
OBJECT_PARAMETER = path_parameter(
    "name", "The sha256 of the object's bytes", pattern="^[0-9a-f]{64}$"
)


@functools.lru_cache(maxsize=65536)
def is_segment(path: Path) -> bool:
    """Whether an object is a device-search segment; objects never change, so each is
    read once per process rather than on every request."""
    with open(path, "rb") as head:
        return head.read(len(SEGMENT_MAGIC)) == SEGMENT_MAGIC


def accepted_copy(path: Path) -> tuple[Path, str | None]:
    """The precompressed sibling of ``path`` this request accepts (brotli first), if
    one exists; else ``path`` (which may not exist) and None."""
    for encoding in ENCODINGS:
        if request.accept_encodings[encoding]:
            candidate = encoded(path, encoding)
            if candidate.is_file():
                return candidate, encoding
    return path, None


def sent_size(path: Path) -> int:
    """The bytes of ``path`` this request would receive (its accepted precompressed copy)."""
    return accepted_copy(path)[0].stat().st_size


def stored_file(path: Path, mimetype: str) -> Response:
    """A published file's bytes, sent by nginx when the app runs behind it
    (``X_ACCEL_PREFIX``). Not for If-Match or If-Unmodified-Since: nginx would
    check those against the file, which has no ETag of its own there."""
    prefix = current_app.config["X_ACCEL_PREFIX"]
    if prefix and not (request.if_match or request.if_unmodified_since):
        response = Response(mimetype=mimetype)
        relative = path.relative_to(content.store().root).as_posix()
        response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + relative
        return response
    # Read whole rather than sent as a file: a client that leaves a response unread
    # would hold the file open (a few MB at most, for 10,000 articles).
    return Response(path.read_bytes(), mimetype=mimetype)


def version_response(etag: str, encoding: str | None, send: Callable[[], Response]) -> Response:
    """What is served per version (manifest and pack): ``send()``, or a 304 that reads
    nothing when If-None-Match names the version; devices revalidate every time. The
    ETag is the manifest's, weak when the bytes are encoded, as nginx makes it when it
    compresses on the fly."""
    if request.if_none_match.contains_weak(etag):  # If-None-Match compares weakly
        response = Response(status=304)
    else:
        response = send()
        if encoding:
            response.content_encoding = encoding
    response.set_etag(etag, weak=encoding is not None)
    response.cache_control.no_cache = True
    if current_app.config["X_ACCEL_PREFIX"]:
        # nginx may keep manifests and changes until the end of this second, no longer,
        # so a publish reaches every device within a second (deploy/nginx.conf).
        response.headers["X-Accel-Expires"] = f"@{int(time.time())}"
    return response


def manifest_response(bundle: str, locale: str, version: int) -> Response:
    """The manifest as stored, precompressed when the client accepts it. Sent by the
    app itself, never by X-Accel-Redirect: in production nginx keeps this response for
    a second (deploy/nginx.conf) and answers the manifest requests of that second,
    which it cannot do for a response it has to redirect."""
    etag = content.manifest_etag(bundle, locale, version)
    path, encoding = accepted_copy(content.store().manifest_path(bundle, locale, version))
    return version_response(
        etag, encoding, lambda: Response(path.read_bytes(), mimetype="application/json")
    )


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Is the service up?"""
        return {"status": "ok"}


@blp.route("/bundles")
class Bundles(MethodView):
    @blp.response(200, BundleSummarySchema(many=True))
    def get(self):
        """Every published bundle, its locales and current versions."""
        return content.bundle_list()


@blp.route("/locales")
class Locales(MethodView):
    @blp.response(200, LocaleSchema(many=True))
    def get(self):
        """Every locale: names, direction, whether the interface speaks it, and each
        bundle's version and coverage in it (the static repository's locales.json)."""
        return content.locale_list()


@blp.route("/messages")
class NegotiatedCatalog(MethodView):
    @blp.response(200, UiCatalogSchema)
    def get(self):
        """The interface strings in the language this request prefers (``?lang=``,
        then Accept-Language), for a client that does not choose for itself."""
        chosen = language.request_locale()
        response = jsonify(language.ui_catalog(chosen))
        response.headers["Content-Language"] = chosen
        response.vary.add("Accept-Language")
        return response


@blp.route("/locales/<locale>/messages", parameters=[LOCALE_PARAMETER])
class UiCatalog(MethodView):
    @blp.response(200, UiCatalogSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No interface catalog")
    def get(self, locale):
        """The interface strings of a locale, compiled from its PO catalog."""
        catalog = language.ui_catalog(locale) if re.fullmatch(LOCALE_PATTERN, locale) else None
        if catalog is None:
            raise ApiError(
                404,
                "locale_not_found",
                _("There is no interface translation for '{locale}'.", locale=locale),
            )
        return catalog


@blp.route("/keys")
class PublisherKeys(MethodView):
    @blp.response(200, PublisherKeysSchema)
    @blp.alt_response(503, schema=ErrorSchema, description="No key yet, or the key ring is damaged")
    def get(self):
        """The publisher's Ed25519 public keys. A device trusts these on first contact,
        later only a key that one it trusts endorses."""
        return {"keys": content.publisher_keys()}


@blp.route("/bundles/<bundle>/<locale>", parameters=[BUNDLE_PARAMETER, LOCALE_PARAMETER])
class Manifest(MethodView):
    @blp.response(200, ManifestSchema, description="The current manifest. Honours If-None-Match.")
    @blp.alt_response(304, description="Not modified")
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown bundle or locale")
    def get(self, bundle, locale):
        """The manifest of a bundle's current version in one locale."""
        return manifest_response(bundle, locale, content.current_version(bundle, locale))


VERSION_PARAMETER = {
    "in": "path",
    "name": "version",
    "required": True,
    "description": "A published version number",
    "schema": {"type": "integer", "minimum": 1},
}


@blp.route(
    "/bundles/<bundle>/<locale>/versions/<int:version>",
    parameters=[BUNDLE_PARAMETER, LOCALE_PARAMETER, VERSION_PARAMETER],
)
class KeptManifest(MethodView):
    @blp.response(200, ManifestSchema, description="The manifest. Honours If-None-Match.")
    @blp.alt_response(304, description="Not modified")
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown bundle, locale or version")
    def get(self, bundle, locale, version):
        """The manifest of a version still kept: a device checks a summary page passed on
        to it against the signed manifest it came from."""
        content.current_version(bundle, locale)  # 404 for an unknown bundle or locale
        if version not in content.store().versions(bundle, locale):
            raise ApiError(
                404,
                "version_not_kept",
                _(
                    "Version {version} of '{bundle}' ({locale}) is no longer kept.",
                    version=version,
                    bundle=bundle,
                    locale=locale,
                ),
            )
        return manifest_response(bundle, locale, version)


@blp.route("/bundles/<bundle>/<locale>/changes", parameters=[BUNDLE_PARAMETER, LOCALE_PARAMETER])
class Changes(MethodView):
    @blp.arguments(ChangesQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ChangesSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown bundle or locale")
    @blp.alt_response(
        410,
        schema=ErrorSchema,
        description="`version_expired`: the device must download the bundle again",
    )
    @blp.alt_response(304, description="Not modified: If-None-Match names the current manifest")
    def get(self, bundle, locale, since):
        """What changed since the version a device holds, and how to rebuild the new
        manifest from the old one. The ETag is the current manifest's, so a device asks
        with its manifest's ETag and gets a 304 when nothing changed."""
        current = content.current_version(bundle, locale)
        store = content.store()
        path = store.changes_path(bundle, locale, since, current)
        precomputed, encoding = precomputed_changes(path)

        def send():
            if precomputed:
                return Response(precomputed.read_bytes(), mimetype="application/json")
            changes = content.changes_since(
                bundle, locale, since, current, lambda name: sent_size(store.object_path(name))
            )
            return jsonify(ChangesSchema().dump(changes))

        return version_response(content.manifest_etag(bundle, locale, current), encoding, send)


def precomputed_changes(path: Path) -> tuple[Path | None, str | None]:
    """The copy of the update publish wrote (``path``) this request accepts, and its
    encoding; (None, None) when there is none or the request does not accept brotli: the
    file counts ``transfer_bytes`` as brotli copies, so another client's is computed."""
    if not request.accept_encodings["br"] or not path.is_file():
        return None, None
    return accepted_copy(path)


@blp.route("/bundles/<bundle>/<locale>/download", parameters=[BUNDLE_PARAMETER, LOCALE_PARAMETER])
class Download(MethodView):
    @blp.response(200, DownloadSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown bundle or locale")
    def get(self, bundle, locale):
        """What a first install of the current version downloads, as this client will
        receive it (its Accept-Encoding): the pack and the search segments."""
        version = content.current_version(bundle, locale)
        store = content.store()
        pack, encoding = accepted_copy(store.pack_path(bundle, locale, version))
        pack_bytes = pack.stat().st_size if encoding else store.pack_bytes(bundle, locale, version)
        size = store.first_install(bundle, locale, version, pack_bytes, sent_size)
        response = jsonify(DownloadSchema().dump(size))
        response.cache_control.no_cache = True
        return response


@blp.route("/bundles/<bundle>/<locale>/pack", parameters=[BUNDLE_PARAMETER, LOCALE_PARAMETER])
class Pack(MethodView):
    @blp.response(
        200,
        description=(
            "Newline-delimited JSON (`application/x-ndjson`). Line 1 is the manifest, byte for "
            "byte as served by the manifest endpoint. Every further line is one object of that "
            "manifest, byte for byte: the sha256 of a line (without its newline) is the object "
            "name. Objects come in manifest order: articles, then about pages. The binary "
            "search segments (`search.segments`) are not in the stream: fetch them from "
            "`/objects/{name}`. Sent brotli-encoded (compressed once per version) to "
            "clients that accept it."
        ),
        content_type="application/x-ndjson",
    )
    @blp.alt_response(304, description="Not modified")
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown bundle or locale")
    def get(self, bundle, locale):
        """Everything of the current version in one stream, for a first install."""
        version = content.current_version(bundle, locale)
        store = content.store()
        path, encoding = accepted_copy(store.pack_path(bundle, locale, version))

        def send():
            if encoding:
                return stored_file(path, "application/x-ndjson")
            lines = store.pack_lines(bundle, locale, version)
            return Response(stream_with_context(lines), mimetype="application/x-ndjson")

        return version_response(content.manifest_etag(bundle, locale, version), encoding, send)


@blp.route("/objects/<name>", parameters=[OBJECT_PARAMETER])
class ContentObject(MethodView):
    @blp.response(
        200,
        description="The object's canonical JSON (a device search segment is binary, "
        "`application/octet-stream`), possibly br or gzip encoded.",
        content_type="application/json",
    )
    @blp.alt_response(400, schema=ErrorSchema, description="Not a sha256 name")
    @blp.alt_response(404, schema=ErrorSchema, description="No such object")
    def get(self, name):
        """An immutable article, about page or search segment, named by the sha256 of its bytes."""
        if not OBJECT_NAME.fullmatch(name):
            raise ApiError(
                400,
                "invalid_object_name",
                _("Object names are 64 lowercase hexadecimal characters (a sha256)."),
            )
        store = content.store()
        path, encoding = accepted_copy(store.object_path(name))
        if not path.is_file():
            raise ApiError(404, "object_not_found", _("There is no object {name}.", name=name))
        response = send_file(
            path,
            mimetype="application/octet-stream"
            if is_segment(store.object_path(name))
            else "application/json",
            conditional=True,
            etag=name + ENCODINGS.get(encoding, ""),
            max_age=current_app.config["OBJECT_MAX_AGE"],
        )
        if encoding:
            response.content_encoding = encoding
        response.cache_control.immutable = True
        return response
