"""Prompt audio files: names the app may serve, content types, durations, synthesis manifest."""

from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

# Twilio's <Play> accepts both; these are the types it documents for them.
AUDIO_CONTENT_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg"}
# A human recording in mp3 wins over a synthesized wav of the same prompt.
AUDIO_SUFFIXES = (".mp3", ".wav")
# Plain names only: no folders, no dots but the suffix, so no way out of the audio folder.
AUDIO_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\.(?:wav|mp3)")
MANIFEST_FILE = "synthesized.json"

# MPEG audio layer III bitrates in kbit/s by bitrate index (MPEG-1; MPEG-2 and 2.5).
_MP3_BITRATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_ID3V1_SIZE = 128


class AudioError(ValueError):
    """An audio file cannot be read as WAV or MP3; the message says why."""


def audio_content_type(filename: str) -> str:
    """The Content-Type to serve a prompt audio file with."""
    return AUDIO_CONTENT_TYPES[Path(filename).suffix.lower()]


def audio_seconds(path: Path) -> float:
    """How long an audio file plays: exact for WAV, estimated from the bitrate for MP3."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AudioError(f"cannot read: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".mp3":
        return _mp3_seconds(data)
    return _wav_seconds(data)


def _wav_seconds(data: bytes) -> float:
    """Walk the RIFF chunks; stdlib `wave` cannot open mu-law files, our telephone format."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("not a WAV file")
    byte_rate, offset = 0, 12
    chunk_id: bytes
    size: int
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        body = offset + 8
        if chunk_id == b"fmt " and size >= 16:
            byte_rate = int(struct.unpack_from("<I", data, body + 8)[0])
        elif chunk_id == b"data":
            if byte_rate <= 0:
                raise AudioError("WAV data before a usable format chunk")
            # A streamed WAV may leave the size unset: count what is there.
            return min(size, len(data) - body) / byte_rate
        offset = body + size + (size & 1)
    raise AudioError("WAV file has no audio data")


def _mp3_seconds(data: bytes) -> float:
    """Estimate from the first frame's bitrate: exact for constant bitrate, as we document."""
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        tag = data[6:10]
        start = 10 + ((tag[0] << 21) | (tag[1] << 14) | (tag[2] << 7) | tag[3])
    end = len(data) - (_ID3V1_SIZE if data[-_ID3V1_SIZE:][:3] == b"TAG" else 0)
    for offset in range(start, min(end - 4, start + 4096)):
        if data[offset] != 0xFF or data[offset + 1] & 0xE0 != 0xE0:
            continue
        version = (data[offset + 1] >> 3) & 0x03
        layer = (data[offset + 1] >> 1) & 0x03
        index = data[offset + 2] >> 4
        if version == 1 or layer != 1 or index in (0, 15):
            continue
        kbps = _MP3_BITRATES[3 if version == 3 else 2][index]
        return (end - offset) * 8 / (kbps * 1000)
    raise AudioError("not an MP3 file with layer III frames")


def text_hash(*parts: str) -> str:
    """A short fingerprint of what was synthesized (voice, rate, text)."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


def file_hash(path: Path) -> str:
    """A short fingerprint of a file's bytes, to tell our output from a human recording."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@dataclass
class Manifest:
    """What `hotline prompts synthesize` made in one audio folder: file -> text and audio hash."""

    path: Path
    entries: dict[str, dict[str, str]]

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The folder's manifest; missing or unreadable means nothing is known as synthesized."""
        path = folder / MANIFEST_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path, {})
        entries = raw.get("files") if isinstance(raw, dict) else None
        if not isinstance(entries, dict):
            return cls(path, {})
        return cls(path, {str(k): v for k, v in entries.items() if isinstance(v, dict)})

    def write(self) -> None:
        """Save the manifest, sorted so that it diffs well in git."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"files": dict(sorted(self.entries.items()))}
        self.path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", "utf-8")

    def is_synthesized(self, audio: Path) -> bool:
        """True when the file is exactly what we made; anything else is a human recording."""
        entry = self.entries.get(audio.name)
        return entry is not None and audio.is_file() and entry.get("audio") == file_hash(audio)

    def is_current(self, audio: Path, fingerprint: str) -> bool:
        """True when the file is our synthesis of exactly this voice, rate and text."""
        entry = self.entries.get(audio.name)
        return self.is_synthesized(audio) and entry is not None and entry.get("text") == fingerprint

    def record(self, audio: Path, fingerprint: str) -> None:
        """Remember that `audio` was synthesized from the text with this text_hash."""
        self.entries[audio.name] = {"text": fingerprint, "audio": file_hash(audio)}
