"""Crisis centres: the directory file (`entries`), its checker (`check`, run before anything is
loaded) and the table it is loaded into (`table`: sync, catchments, centres near a caller).
No flask, no twilio.
"""

from hotline.directory.check import Problem, check_directory, to_confirm
from hotline.directory.entries import (
    DIRECTORY_FILE,
    CentreEntry,
    CentrePhone,
    Directory,
    DirectoryError,
    NationalNumber,
    load_directory,
)
from hotline.directory.table import CATCHMENT, catchment, centres_near, sync_centres

__all__ = [
    "CATCHMENT",
    "DIRECTORY_FILE",
    "CentreEntry",
    "CentrePhone",
    "Directory",
    "DirectoryError",
    "NationalNumber",
    "Problem",
    "catchment",
    "centres_near",
    "check_directory",
    "load_directory",
    "sync_centres",
    "to_confirm",
]
