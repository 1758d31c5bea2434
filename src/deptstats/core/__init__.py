"""The ground every stage stands on: the registry (departments, extracts, columns, rules and
indicators: the data dictionary as data), periods, column types and the cells' normal forms,
delivered text made printable, the project's folders and SQL files, the loader's tuning, the
URLs that may carry a password, the departments' contacts (a deployment file), how a package
re-exports its names, and the words people read (gettext catalogs; problems as a code and
parameters). It imports no other package of deptstats."""

from deptstats.core.exports import lazy_exports

# bound here rather than lazily: `printable` is also the name of its module, which would hide it
from deptstats.core.printable import cut, printable

__all__ = [
    "BROKER",
    "CONTACTS_SETTING",
    "DEFAULT_REPLY",
    "LANGUAGES",
    "LEGACY",
    "METADATA_DB",
    "N_",
    "TEXTS",
    "TUNING",
    "TYPES",
    "WAREHOUSE",
    "YES_NO",
    "Column",
    "ColumnType",
    "Contact",
    "ContactsError",
    "Department",
    "Extract",
    "Indicator",
    "Message",
    "Period",
    "Registry",
    "Rule",
    "Speaker",
    "contacts_path",
    "cut",
    "deployment_language",
    "gettext",
    "include_dir",
    "language_of",
    "lazy_exports",
    "load_contacts",
    "load_registry",
    "non_negative_setting",
    "normalize_cell",
    "normalize_date",
    "normalize_number",
    "normalize_text",
    "openpyxl_without_lxml",
    "parse_period",
    "printable",
    "project_home",
    "read_sql",
    "render",
    "reply_codes",
    "resolve_url",
    "settle_seconds",
    "yes_no",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "column_types": ["ColumnType", "TYPES", "YES_NO", "normalize_cell", "yes_no"],
        "contacts": ["CONTACTS_SETTING", "Contact", "ContactsError", "contacts_path", "load_contacts"],
        "i18n": ["LANGUAGES", "N_", "Speaker", "deployment_language", "gettext", "language_of", "render"],
        "messages": ["LEGACY", "Message", "TEXTS"],
        "normalize": ["normalize_date", "normalize_number", "normalize_text"],
        "openpyxl_import": ["openpyxl_without_lxml"],
        "paths": ["include_dir", "project_home", "read_sql", "reply_codes"],
        "periods": ["Period", "parse_period"],
        "registry": ["Column", "Department", "Extract", "Indicator", "Registry", "Rule", "load_registry"],
        "secret_urls": ["BROKER", "METADATA_DB", "WAREHOUSE", "resolve_url"],
        "settings": ["DEFAULT_REPLY", "TUNING", "non_negative_setting", "settle_seconds"],
    },
)
