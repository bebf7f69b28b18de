"""Which cluster Espaze talks to: in-cluster service account, a kubeconfig, or the sandbox when neither exists."""

import os
from collections.abc import Mapping
from pathlib import Path

from kubernetes import client as k8s
from kubernetes import config as kube_config

SERVICE_ACCOUNT_TOKEN = Path('/var/run/secrets/kubernetes.io/serviceaccount/token')


def cluster_mode(setting: str, environ: Mapping[str, str] = os.environ) -> str:
    """`auto` picks in-cluster, then KUBECONFIG, then the sandbox."""
    if setting != 'auto':
        return setting
    if environ.get('KUBERNETES_SERVICE_HOST') and SERVICE_ACCOUNT_TOKEN.exists():
        return 'in-cluster'
    if environ.get('KUBECONFIG'):
        return 'kubeconfig'
    return 'sandbox'


def api_client(mode: str, sandbox_url: str | None = None, environ: Mapping[str, str] = os.environ) -> k8s.ApiClient:
    configuration = k8s.Configuration()
    if mode == 'sandbox':
        configuration.host = sandbox_url
    elif mode == 'in-cluster':
        kube_config.load_incluster_config(client_configuration=configuration)
    else:
        # read KUBECONFIG now: the client's default was fixed when it was imported
        kube_config.load_kube_config(config_file=environ.get('KUBECONFIG'), client_configuration=configuration)
    return k8s.ApiClient(configuration)
