"""The CI agent's manifests and login scripts, rendered without Pulumi."""

import http.server
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from typing import Any, ClassVar

import yaml

from private_acr_rules.ci_manifests import (
    Broker,
    BuildTarget,
    CiPod,
    agent_manifest,
    build_job,
    logged_in,
)
from private_acr_rules.clouds import AzureCloud

POD = CiPod("ci", "acr-build-trigger", "mcr.microsoft.com/azure-cli:2.74.0-azurelinux3.0")
REGISTRY_ID = (
    "/subscriptions/1111/resourceGroups/rg-images/providers/Microsoft.ContainerRegistry/"
    "registries/acrdev"
)
TARGET = BuildTarget.of_registry(
    REGISTRY_ID, "acrdev", "build-dev", "pool-dev", subscription_id="2222", resource_group="rg"
)
BROKER = Broker(
    "https://prod-00.eastus2.logic.azure.com:443/workflows/abc/triggers/build/paths/invoke"
    "?api-version=2016-10-01&sp=%2Ftriggers%2Fbuild%2Frun&sv=1.0",
    "https://management.azure.com/",
)


def documents() -> dict[str, dict[str, Any]]:
    docs = yaml.safe_load_all(agent_manifest(POD, "client-1", "tenant-1", TARGET, BROKER))
    return {doc["kind"]: doc for doc in docs}


def test_the_registry_id_decides_subscription_and_group() -> None:
    assert (TARGET.subscription_id, TARGET.resource_group) == ("1111", "rg-images")
    elsewhere = BuildTarget.of_registry(
        "acrdev", "acrdev", "t", "p", subscription_id="2222", resource_group="rg"
    )
    assert (elsewhere.subscription_id, elsewhere.resource_group) == ("2222", "rg")


def test_commands_name_the_registry_group_task_and_pool() -> None:
    assert TARGET.task_run_command(".") == "/opt/acr-build/run-task build-dev ."
    assert TARGET.quick_build_command() == (
        "az acr build --registry acrdev --resource-group rg-images --agent-pool pool-dev "
        "--image app:{{.Run.ID}} --file Dockerfile ."
    )


def test_a_login_sets_the_cloud_then_logs_in_with_the_token_as_it_is_now() -> None:
    lines = logged_in(AzureCloud.US_GOVERNMENT, "az acr task list").splitlines()
    assert lines[0] == "set -eu"
    assert "az cloud set --name AzureUSGovernment" in lines
    login = next(i for i, line in enumerate(lines) if line.startswith("az login"))
    assert '--federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"' in lines[login]
    assert lines.index("az cloud set --name AzureUSGovernment") < login
    assert lines[-1] == "az acr task list"


def test_the_agent_runs_builds_through_its_login_script() -> None:
    docs = documents()
    assert set(docs) == {"Namespace", "ServiceAccount", "ConfigMap", "Deployment"}
    assert set(docs["ConfigMap"]["data"]) == {"with-login", "run-task"}
    script = docs["ConfigMap"]["data"]["with-login"]
    assert script.startswith("#!/bin/sh\nset -eu\n") and script.endswith('"$@"\n')
    annotations = docs["ServiceAccount"]["metadata"]["annotations"]
    assert annotations == {
        "azure.workload.identity/client-id": "client-1",
        "azure.workload.identity/tenant-id": "tenant-1",
    }
    pod = docs["Deployment"]["spec"]["template"]
    assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert pod["spec"]["automountServiceAccountToken"] is False


def test_a_job_runs_the_task_on_its_context_once() -> None:
    job = yaml.safe_load(build_job(POD, TARGET))
    assert job["kind"] == "Job" and job["spec"]["backoffLimit"] == 0
    [container] = job["spec"]["template"]["spec"]["containers"]
    script = container["command"][2].splitlines()
    assert script[-1] == TARGET.task_run_command('"$BUILD_CONTEXT"')
    assert {"name": "AZURE_SUBSCRIPTION_ID", "value": "1111"} in container["env"]


def test_scripts_are_written_as_literal_blocks() -> None:
    manifest = agent_manifest(POD, "c", "t", TARGET, BROKER)
    assert "with-login: |" in manifest and "run-task: |" in manifest


def test_rendering_needs_nothing_of_pulumi() -> None:
    code = (
        "import sys, private_acr_rules.ci_manifests, private_acr_rules.egress; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_azure_native')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


FAKE_AZ = """#!{python}
import json, os, sys
log = os.environ["AZ_LOG"]
with open(log, "a") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
args = sys.argv[1:]
def tsv(answer):
    # knack's _format_tsv, as azure-cli prints --output tsv: a list puts each item on a row
    # of its own; a row of a list or an object is its values, tab-separated.
    for item in answer if isinstance(answer, list) else [answer]:
        values = item if isinstance(item, list) else [item]
        print("\\t".join(str(value) for value in values))
def queried(answer, query):
    # The two JMESPath forms run-task uses: a field, and a multiselect list of fields.
    if query.startswith("[") and query.endswith("]"):
        return [answer.get(name.strip()) for name in query[1:-1].split(",")]
    return answer.get(query)
if args[:1] == ["rest"]:
    body = json.loads(args[args.index("--body") + 1])
    if body["operation"] == "upload":
        answer = {"uploadUrl": os.environ["UPLOAD_URL"],
                  "relativePath": "source/202601010000/abc.tar.gz"}
    elif os.environ.get("REFUSE"):
        sys.exit("Forbidden: not a configured task")
    else:
        answer = {"runId": "cb7", "status": "Queued"}
    tsv(queried(answer, args[args.index("--query") + 1]))
elif args[:3] == ["acr", "task", "show-run"]:
    print(os.environ.get("RUN_STATUS", "Succeeded"))
else:
    print("step 1/1 ... done")
"""


class _Uploads(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        headers = {key.lower(): value for key, value in self.headers.items()}
        self.received.append((self.path, headers, self.rfile.read(length)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def run_task(tmp_path: Path, context: str, **env: str) -> tuple[int, list[list[str]]]:
    """Runs the rendered run-task with a stand-in az on PATH; its exit code and az's calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "az"
    fake.write_text(FAKE_AZ.replace("{python}", sys.executable))
    fake.chmod(0o755)
    script = tmp_path / "run-task"
    script.write_text(TARGET.run_task_script(BROKER))
    log = tmp_path / "az.log"
    environment = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "AZ_LOG": str(log),
        **env,
    }
    result = subprocess.run(
        ["/bin/sh", str(script), "build-dev", context],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result.returncode, calls


def test_run_task_uploads_a_directory_through_the_broker_then_runs_and_follows_it(
    tmp_path: Path,
) -> None:
    source = tmp_path / "app"
    (source / ".git").mkdir(parents=True)
    (source / ".git" / "config").write_text("[core]\n")
    (source / "Dockerfile").write_text("FROM mcr.microsoft.com/azurelinux/base/core:3.0\n")
    server = http.server.HTTPServer(("127.0.0.1", 0), _Uploads)
    threading.Thread(target=server.handle_request, daemon=True).start()
    upload_url = f"http://127.0.0.1:{server.server_port}/source/abc.tar.gz?sv=2021&sig=x"
    code, calls = run_task(tmp_path, str(source), UPLOAD_URL=upload_url)
    server.server_close()
    assert code == 0
    upload, run, logs, show = calls
    for call in (upload, run):
        assert call[:5] == ["rest", "--method", "post", "--url", BROKER.url]
        assert call[call.index("--resource") + 1] == "https://management.azure.com/"
    assert json.loads(upload[upload.index("--body") + 1]) == {"operation": "upload"}
    assert json.loads(run[run.index("--body") + 1]) == {
        "operation": "run",
        "task": "build-dev",
        "context": "source/202601010000/abc.tar.gz",
    }
    assert logs[:3] == ["acr", "task", "logs"] and "cb7" in logs
    assert show[:3] == ["acr", "task", "show-run"]
    [(path, headers, body)] = _Uploads.received
    assert path == "/source/abc.tar.gz?sv=2021&sig=x"
    assert headers["x-ms-blob-type"] == "BlockBlob"
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        names = archive.getnames()
    assert "./Dockerfile" in names and not [n for n in names if ".git" in n]


def test_run_task_passes_a_url_context_as_it_is(tmp_path: Path) -> None:
    url = "https://git.internal.example.com/team/app.git#main"
    code, calls = run_task(tmp_path, url)
    assert code == 0
    run = calls[0]
    assert json.loads(run[run.index("--body") + 1])["context"] == url


def test_run_task_fails_when_the_broker_refuses_or_the_run_fails(tmp_path: Path) -> None:
    url = "https://git.internal.example.com/team/app.git#main"
    code, calls = run_task(tmp_path, url, REFUSE="1")
    assert code != 0 and len(calls) == 1
    failed = tmp_path / "failed"
    failed.mkdir()
    code, _ = run_task(failed, url, RUN_STATUS="Failed")
    assert code != 0
