"""A real S3-compatible server on loopback (moto's) for tests that store objects across "machines"."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: Any

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", [])
        return {o["Key"]: self.client.get_object(Bucket=self.bucket, Key=o["Key"])["Body"].read() for o in listed}


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    from tests.conftest import free_port  # conftest registers these fixtures: imported once it has loaded

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch) -> S3:
    """A fresh bucket on the local S3 server, with credentials in boto3's usual environment variables."""
    import boto3

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_server)
    bucket = f"recordings-{secrets.token_hex(4)}"
    client.create_bucket(Bucket=bucket)
    return S3(s3_server, bucket, client)


@pytest.fixture
def s3_stack(s3, monkeypatch, db_url, request):
    """The product and the sandbox with STORAGE_URL on the local S3 server."""
    monkeypatch.setenv("STORAGE_URL", f"s3://{s3.bucket}/interviews")
    monkeypatch.setenv("S3_ENDPOINT_URL", s3.endpoint)
    return request.getfixturevalue("stack")
