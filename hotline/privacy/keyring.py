"""This deployment's privacy keys, bound together: pseudonyms and sealed numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hotline.privacy.pseudonym import pseudonymize
from hotline.privacy.sealing import NumberBox


@dataclass(frozen=True)
class Keyring:
    """Pseudonymizes and seals numbers with the configured keys."""

    pseudonym_key: str
    pseudonym_version: int
    box: NumberBox

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Keyring:
        """Build from HOTLINE_PSEUDONYM_KEY(_VERSION) and HOTLINE_ENCRYPTION_KEY."""
        return cls(
            config["HOTLINE_PSEUDONYM_KEY"],
            int(config["HOTLINE_PSEUDONYM_KEY_VERSION"]),
            NumberBox(config["HOTLINE_ENCRYPTION_KEY"]),
        )

    def pseudonym(self, e164: str) -> str:
        """The caller's keyed pseudonym."""
        return pseudonymize(e164, self.pseudonym_key, self.pseudonym_version)

    def seal(self, e164: str) -> str:
        """Encrypt a number we must dial later."""
        return self.box.seal(e164)

    def unseal(self, token: str) -> str:
        """Decrypt a sealed number, just before dialling it."""
        return self.box.unseal(token)
