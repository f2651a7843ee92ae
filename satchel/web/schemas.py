"""Schemas that declare the HTTP API; flask-smorest turns them into OpenAPI."""

from marshmallow import Schema, fields


class ErrorBodySchema(Schema):
    status = fields.Integer(required=True, metadata={"description": "HTTP status code"})
    code = fields.String(required=True, metadata={"description": "Stable snake_case code"})
    message = fields.String(required=True, metadata={"description": "A sentence for people"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class BundleSummarySchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    source_locale = fields.String(required=True)
    locales = fields.List(fields.String(), required=True)
    versions = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Current version per locale"},
    )


def fallback_field() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Fields shown in another language than the locale's: "
                  "field → its language (tag them with lang)"},
    )  # fmt: skip


class ManifestArticleSchema(Schema):
    id = fields.String(required=True)
    object = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "sha256 of the article; null if withdrawn"},
    )
    bytes = fields.Integer(required=True)
    title = fields.String(required=True)
    teaser = fields.String(required=True)
    published = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    status = fields.String(required=True, metadata={"enum": ["published", "withdrawn"]})
    translation = fields.String(
        metadata={
            "enum": ["complete", "partial", "source"],
            "description": "How much of the article is in the manifest's locale",
        }
    )
    fallback = fallback_field()


class ManifestAboutPageSchema(Schema):
    id = fields.String(required=True)
    object = fields.String(required=True)
    bytes = fields.Integer(required=True)
    title = fields.String(required=True)
    fallback = fallback_field()


class SearchSegmentSchema(Schema):
    object = fields.String(required=True, metadata={"description": "sha256 of the segment"})
    bytes = fields.Integer(required=True)
    docs = fields.Integer(required=True, metadata={"description": "Documents it holds"})


class EndorsementSchema(Schema):
    key_id = fields.String(required=True, metadata={"description": "The endorsing key"})
    value = fields.String(
        required=True,
        metadata={
            "description": "base64url (no padding) Ed25519 signature, by the endorsing key, of "
            "the canonical JSON of this key's {alg, id, public_key}"
        },
    )


class PublisherKeySchema(Schema):
    id = fields.String(
        required=True, metadata={"description": "First 16 hex digits of the raw key's sha256"}
    )
    alg = fields.String(required=True, metadata={"enum": ["Ed25519"]})
    public_key = fields.String(
        required=True, metadata={"description": "base64url (no padding) of the raw 32 bytes"}
    )
    endorsement = fields.Nested(
        EndorsementSchema,
        metadata={"description": "The previous key's endorsement; absent on the first key"},
    )


class PublisherKeysSchema(Schema):
    keys = fields.List(
        fields.Nested(PublisherKeySchema),
        required=True,
        metadata={"description": "Oldest first; the last signs new manifests"},
    )


class SignatureSchema(Schema):
    key_id = fields.String(required=True)
    alg = fields.String(required=True, metadata={"enum": ["Ed25519"]})
    value = fields.String(
        required=True,
        metadata={
            "description": "base64url (no padding) of the 64-byte Ed25519 signature over the "
            "canonical JSON of the manifest without its signature member"
        },
    )


class ManifestSchema(Schema):
    bundle = fields.String(required=True)
    locale = fields.String(required=True)
    version = fields.Integer(required=True)
    published_at = fields.String(required=True, metadata={"format": "date-time"})
    source_locale = fields.String(required=True)
    direction = fields.String(required=True, metadata={"enum": ["ltr", "rtl"]})
    title = fields.String(required=True)
    description = fields.String(required=True)
    coverage = fields.Float(
        required=True, metadata={"description": "Share of article text in this locale, 0 to 1"}
    )
    articles = fields.List(fields.Nested(ManifestArticleSchema), required=True)
    about = fields.List(fields.Nested(ManifestAboutPageSchema), required=True)
    total_bytes = fields.Integer(required=True)
    license = fields.Dict(
        metadata={"description": "The bundle's licence: {name, url, attribution}; show it"}
    )
    fallback = fallback_field()
    keys = fields.List(
        fields.Nested(PublisherKeySchema),
        required=True,
        metadata={"description": "The publisher's keys when it was signed, oldest first"},
    )
    signature = fields.Nested(SignatureSchema, required=True)
    search = fields.Dict(
        metadata={
            "description": "Search rules version, this locale's thesaurus terms and the device "
            "index: {format, segments: [{object, bytes, docs}], tombstones: [{segment, ids}]} "
            "(see satchel/stages/device_export.py)"
        }
    )


class LocaleBundleSchema(Schema):
    version = fields.Integer(required=True)
    coverage = fields.Float(required=True)


class LocaleSchema(Schema):
    code = fields.String(required=True, metadata={"example": "pt-BR"})
    name = fields.String(required=True, metadata={"description": "English name"})
    native_name = fields.String(required=True)
    direction = fields.String(required=True, metadata={"enum": ["ltr", "rtl"]})
    interface = fields.Boolean(
        required=True, metadata={"description": "Whether the app's interface is translated"}
    )
    bundles = fields.Dict(
        keys=fields.String(), values=fields.Nested(LocaleBundleSchema), required=True
    )


class UiCatalogSchema(Schema):
    locale = fields.String(required=True)
    direction = fields.String(required=True, metadata={"enum": ["ltr", "rtl"]})
    plural_categories = fields.List(
        fields.String(), required=True, metadata={"description": "CLDR plural categories"}
    )
    messages = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={
            "description": "msgid → translation, or for plurals CLDR category → "
            "translation (pick with Intl.PluralRules)"
        },
    )


class ChangesQuerySchema(Schema):
    since = fields.Integer(
        required=True, strict=False, metadata={"description": "The version the device holds"}
    )


class ChangesManifestSchema(Schema):
    sha256 = fields.String(
        required=True,
        metadata={"description": "sha256 of the new manifest's bytes (its strong ETag)"},
    )
    bytes = fields.Integer(required=True, metadata={"description": "Size of the new manifest"})
    patch = fields.Dict(
        required=True,
        metadata={
            "description": "JSON Merge Patch (RFC 7386) of every member but `articles` "
            "from the old manifest to the new"
        },
    )


ChangesSchema = Schema.from_dict(
    {
        "bundle": fields.String(required=True),
        "locale": fields.String(required=True),
        "from": fields.Integer(required=True),
        "to": fields.Integer(required=True),
        "added": fields.List(fields.Nested(ManifestArticleSchema), required=True),
        "changed": fields.List(fields.Nested(ManifestArticleSchema), required=True),
        "removed": fields.List(fields.String(), required=True),
        "about": fields.List(
            fields.Nested(ManifestAboutPageSchema),
            required=True,
            metadata={"description": "About pages that are new or changed"},
        ),
        "search": fields.List(
            fields.Nested(SearchSegmentSchema),
            required=True,
            metadata={"description": "Device search segments to download"},
        ),
        "bytes": fields.Integer(
            required=True, metadata={"description": "Bytes of objects to download"}
        ),
        "transfer_bytes": fields.Integer(
            required=True,
            metadata={
                "description": "Bytes of those objects as this client receives them "
                "(compressed as its Accept-Encoding allows)"
            },
        ),
        "manifest": fields.Nested(ChangesManifestSchema, required=True),
    },
    name="Changes",
)


class DownloadSchema(Schema):
    bundle = fields.String(required=True)
    locale = fields.String(required=True)
    version = fields.Integer(required=True)
    pack_bytes = fields.Integer(
        required=True, metadata={"description": "The pack as this client receives it"}
    )
    segment_bytes = fields.Integer(
        required=True, metadata={"description": "The search segments as this client receives them"}
    )
    bytes = fields.Integer(required=True, metadata={"description": "pack_bytes + segment_bytes"})
    requests = fields.Integer(required=True, metadata={"description": "Responses it takes"})
