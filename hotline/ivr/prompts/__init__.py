"""The IVR's prompts: the catalog (config/prompts/<lang>.yaml, `catalog`), audio files (`audio`),
espeak-ng synthesis for languages no Twilio voice speaks (`synthesis`), and the checks behind
`hotline prompts check` (`check`). No flask, no twilio: the CLI uses it without an app.
"""

from hotline.ivr.prompts.audio import AUDIO_CONTENT_TYPES, AudioError, audio_content_type
from hotline.ivr.prompts.catalog import (
    PROMPT_KEYS,
    CatalogError,
    Language,
    Prompt,
    PromptCatalog,
    spoken_number,
)
from hotline.ivr.prompts.check import (
    GATHER_SECONDS,
    SAY_CHARACTERS_PER_SECOND,
    CheckReport,
    check_catalog,
    listening_seconds,
    prompt_seconds,
    silent_seconds,
)

__all__ = [
    "AUDIO_CONTENT_TYPES",
    "GATHER_SECONDS",
    "PROMPT_KEYS",
    "SAY_CHARACTERS_PER_SECOND",
    "AudioError",
    "CatalogError",
    "CheckReport",
    "Language",
    "Prompt",
    "PromptCatalog",
    "audio_content_type",
    "check_catalog",
    "listening_seconds",
    "prompt_seconds",
    "silent_seconds",
    "spoken_number",
]
