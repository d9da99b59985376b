"""A real Virtuoso Open Source server on 127.0.0.1 with a throw-away database, for the store tests.

The test command installs Debian's `virtuoso-opensource`; these tests never skip when it is
missing, they fail and say how to install it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from ports import free_port

INI = """\
[Database]
DatabaseFile = {root}/virtuoso.db
ErrorLogFile = {root}/virtuoso.log
LockFile = {root}/virtuoso.lck
TransactionFile = {root}/virtuoso.trx
xa_persistent_file = {root}/virtuoso.pxa
MaxCheckpointRemap = 2000
[TempDatabase]
DatabaseFile = {root}/virtuoso-temp.db
TransactionFile = {root}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
DirsAllowed = ., {root}
NumberOfBuffers = 100000
MaxDirtyBuffers = 60000
MaxQueryMem = 1G
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {root}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 120
"""


@dataclass
class Virtuoso:
    root: Path
    http_port: int
    process: subprocess.Popen
    user: str = "dba"
    password: str = "dba"  # a fresh database's administrator; the database is deleted afterwards

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        return self.base + "/sparql"

    @property
    def graph_store_url(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    @property
    def update_url(self) -> str:
        return self.base + "/sparql-auth"

    def environment(self) -> dict[str, str]:
        """FLOWGRAPH_* variables that point flowgraph at this server, as a user would set them."""
        return {
            "FLOWGRAPH_STORE": self.sparql_url,
            "FLOWGRAPH_STORE_GRAPH_STORE_URL": self.graph_store_url,
            "FLOWGRAPH_STORE_USER": self.user,
            "FLOWGRAPH_STORE_PASSWORD": self.password,
            "FLOWGRAPH_STORE_AUTH": "digest",
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_virtuoso(root: Path, timeout: float = 90) -> Virtuoso:
    binary = shutil.which("virtuoso-t")
    if binary is None:
        raise RuntimeError(
            "virtuoso-t not found: install Debian's virtuoso-opensource (bash .ci/test does)"
        )
    http_port, sql_port = free_port(), free_port()
    (root / "virtuoso.ini").write_text(
        INI.format(root=root, http_port=http_port, sql_port=sql_port), encoding="utf-8"
    )
    log = (root / "stdout.log").open("w")
    process = subprocess.Popen(
        [binary, "+configfile", str(root / "virtuoso.ini"), "+foreground"],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Virtuoso(root, http_port, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            answer = httpx.get(
                server.sparql_url,
                params={"query": "ASK { }"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=5,
                trust_env=False,
            )
            if answer.status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(
        f"Virtuoso did not start on 127.0.0.1:{http_port}:\n{(root / 'stdout.log').read_text()[-2000:]}"
    )
