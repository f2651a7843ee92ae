"""Marshmallow schemas for source content: what a bundle.yaml and a summary's
front matter may contain. Cross-file rules (duplicate ids, ``related``) live in
``validate``, which runs these schemas and turns their errors into Problems."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from ..store import SLUG_MAX, SLUG_PATTERN

SLUG = validate.And(
    validate.Regexp(
        SLUG_PATTERN,
        error="'{input}' is not a slug; use lowercase letters, digits and single hyphens, "
        "e.g. 'vitamin-d'",
    ),
    validate.Length(max=SLUG_MAX, error=f"is longer than {SLUG_MAX} characters"),
)
SECTION_IDS = ("takeaway", "findings", "who_should_care", "considerations")
STATUSES = ("published", "withdrawn")


def text(**kwargs):
    return fields.String(required=True, validate=validate.Length(min=1), **kwargs)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class SourceStudySchema(StrictSchema):
    journal = text()
    title = text()
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        error_messages={"invalid": "must be a full http:// or https:// link to the study"},
    )
    doi = fields.String(
        validate=validate.Regexp(r"^10\.\d{4,9}/\S+$", error="must look like 10.1234/abc")
    )
    study_type = text()


class RatingsSchema(StrictSchema):
    credibility = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, 5, error="must be a whole number from 1 to 5"),
    )
    interest = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, 5, error="must be a whole number from 1 to 5"),
    )


def slug_list():
    return fields.List(fields.String(validate=SLUG), load_default=list)


class SummarySchema(StrictSchema):
    kind = fields.String(
        validate=validate.OneOf(("summary", "reference"), error="must be summary or reference")
    )
    id = fields.String(required=True, validate=SLUG)
    title = text()
    teaser = text()
    published = fields.Date(required=True)
    reviewed = fields.Date(required=True)
    review_due = fields.Date(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES, error="must be one of: published, withdrawn"),
    )
    source = fields.Nested(SourceStudySchema, required=True)
    ratings = fields.Nested(RatingsSchema, required=True)
    topics = slug_list()
    symptoms = slug_list()
    related = slug_list()

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        published, reviewed, due = (data.get(k) for k in ("published", "reviewed", "review_due"))
        if published and reviewed and reviewed < published:
            raise ValidationError("must not be before 'published'", "reviewed")
        if reviewed and due and due < reviewed:
            raise ValidationError("must not be before 'reviewed'", "review_due")


class BundleAboutPageSchema(StrictSchema):
    id = fields.String(required=True, validate=SLUG)
    title = text()
    file = text()


class LicenseSchema(StrictSchema):
    name = text()
    url = fields.Url(required=True, schemes={"http", "https"})
    attribution = text()


class BundleSchema(StrictSchema):
    id = fields.String(required=True, validate=SLUG)
    title = text()
    description = text()
    source_locale = fields.String(required=True)
    retain_versions = fields.Integer(
        strict=True,
        load_default=5,
        validate=validate.Range(min=1, error="must be 1 or more"),
    )
    about = fields.List(fields.Nested(BundleAboutPageSchema), load_default=list)
    drug_names = fields.List(
        fields.String(validate=validate.Length(min=2)),
        load_default=list,
        metadata={"description": "Names a translation must keep as written"},
    )
    license = fields.Nested(LicenseSchema)
    reading_grade_max = fields.Float(
        load_default=None,
        validate=validate.Range(min=0, error="must be a grade of 0 or more, e.g. 8"),
        metadata={"description": "Highest plain-language grade an article may read at"},
    )

    @validates("source_locale")
    def known_locale(self, value, **kwargs):
        try:
            Locale.parse(value, sep="-")
        except (ValueError, UnknownLocaleError) as exc:
            raise ValidationError(
                f"'{value}' is not a known locale; use a code such as 'en' or 'pt-BR'"
            ) from exc
