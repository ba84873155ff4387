"""Photos in an S3-compatible bucket (boto3): ``s3://bucket/prefix`` names the bucket and the
key prefix; the endpoint, region and credentials come from the environment as for any AWS
tool (``AWS_ENDPOINT_URL``, ``AWS_REGION`` or ``AWS_DEFAULT_REGION``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``; see docs/deploy.md)."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from webapp.photo_store.base import PhotoNotStored, PhotoStoreUnavailable, photo_key

CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"max_attempts": 3, "mode": "standard"},
    # Checksums only where an operation needs one: several S3-compatible stores refuse the
    # CRC32 headers boto3 sends by default. Integrity comes from Content-MD5 on every put.
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
)

MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


def md5(data: bytes):
    """MD5 as S3 uses it: a transfer checksum, not a security measure."""
    return hashlib.md5(data, usedforsecurity=False)


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ("bucket", "some/prefix"); raises ValueError."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"not an s3://bucket/prefix address: {url!r}")
    return parts.netloc, parts.path.strip("/")


class S3Store:
    def __init__(self, bucket: str, prefix: str, client):
        self.bucket = bucket
        self.prefix = prefix
        self.client = client
        self.location = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        bucket, prefix = parse_s3_url(url)
        # boto3 reads AWS_DEFAULT_REGION itself; AWS_REGION is what most other tools use.
        region = os.environ.get("AWS_REGION") or None
        return cls(bucket, prefix, boto3.client("s3", region_name=region, config=CLIENT_CONFIG))

    def key(self, sha256: str) -> str:
        return f"{self.prefix}/{photo_key(sha256)}" if self.prefix else photo_key(sha256)

    def head(self, sha256: str) -> dict | None:
        """The object's metadata (``ContentLength``, ``ETag``), None if there is none."""
        try:
            with self._translated(sha256):
                return self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except PhotoNotStored:
            return None

    def has(self, sha256: str, size: int) -> bool:
        head = self.head(sha256)
        return head is not None and head["ContentLength"] == size

    def put(self, sha256: str, data: bytes) -> None:
        if not self.holds_exactly(sha256, data):
            self.write(sha256, data)

    def write(self, sha256: str, data: bytes) -> None:
        """Store ``data`` under ``sha256`` whatever is there. The store refuses the object if
        the bytes it received do not match their MD5 (sent as Content-MD5); an S3 put is all
        or nothing, so a broken upload leaves no object behind."""
        with self._translated(sha256):
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(sha256),
                Body=data,
                ContentMD5=base64.b64encode(md5(data).digest()).decode(),
            )

    def holds_exactly(self, sha256: str, data: bytes) -> bool:
        """Whether the object under ``sha256`` is ``data``, by the store's own checksum: its
        size and its ETag, which for an object written in one put is the MD5 of the bytes the
        store received and kept.

        Why the ETag and not a read-back: it costs one HEAD and no download, so a resumed
        ``photos migrate`` of tens of thousands of photos checks each in milliseconds, and
        every caller has ``data`` in hand to hash. Size alone is not enough: keys are hashes,
        so a same-size object with other bytes would be trusted forever. An ETag of another
        kind (a multipart upload, KMS encryption) never matches, so such an object is simply
        written again: slower, never wrong."""
        head = self.head(sha256)
        return (
            head is not None
            and head["ContentLength"] == len(data)
            # Aliyun OSS gives the MD5 in capitals, the others in small letters.
            and head.get("ETag", "").strip('"').lower() == md5(data).hexdigest()
        )

    def delete(self, sha256: str) -> None:
        """Remove the object under ``sha256`` (nothing happens if there is none); raises
        PhotoStoreUnavailable."""
        with self._translated(sha256):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def open(self, sha256: str) -> tuple[BinaryIO, int]:
        with self._translated(sha256):
            reply = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        return reply["Body"], reply["ContentLength"]

    @contextmanager
    def _translated(self, sha256: str) -> Iterator[None]:
        """boto3's errors as the store's: a missing object, or the store unavailable."""
        try:
            yield
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in MISSING_CODES:
                raise PhotoNotStored(sha256) from None
            raise PhotoStoreUnavailable(f"{self.location}: {code or error}") from error
        except BotoCoreError as error:  # unreachable endpoint, timeouts, bad credentials setup
            raise PhotoStoreUnavailable(f"{self.location}: {error}") from error
