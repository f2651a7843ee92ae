"""Translations: locale parsing, the gettext catalogs and their safety checks
(``catalogs``), and the translators' commands (``cli``)."""
