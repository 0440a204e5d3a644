"""Replaces pyinstaller-hooks-contrib's hook, which collects every phonenumbers submodule (~48 MB).

phonenumbers loads its metadata lazily (``phonenumbers.data.region_XX``, ``phonenumbers.shortdata...``),
so those packages are collected whole. crm-importer only parses and validates numbers: the geocoder, carrier
and time-zone databases (~43 MB) are left out; ``import phonenumbers.geocoder`` fails in the bundle.
"""

from PyInstaller.utils.hooks import collect_submodules

_UNUSED = (
    "phonenumbers.geodata",
    "phonenumbers.carrierdata",
    "phonenumbers.tzdata",
    "phonenumbers.geocoder",
    "phonenumbers.carrier",
    "phonenumbers.timezone",
)

hiddenimports = collect_submodules(
    "phonenumbers", filter=lambda name: not any(name == u or name.startswith(u + ".") for u in _UNUSED)
)
excludedimports = list(_UNUSED)
