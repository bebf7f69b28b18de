"""`python -m sandbox --port N`: the sandbox cluster alone, on 127.0.0.1."""

import argparse
import asyncio
import contextlib

import uvicorn

from sandbox.api import create_app
from sandbox.simulation import Cluster


def main() -> None:
    parser = argparse.ArgumentParser(description='Espaze sandbox cluster: the Kubernetes API, simulated')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--nodes', type=int, default=3)
    parser.add_argument('--github-api-url', default=None, help='where build Jobs look for Dockerfiles')
    parser.add_argument('--registry', default=None, help='images under it must have been pushed by a build')
    parser.add_argument('--no-metrics', action='store_true', help='run without a metrics server')
    args = parser.parse_args()
    cluster = Cluster(args.nodes, args.github_api_url, args.registry, metrics=not args.no_metrics)
    server = uvicorn.Server(uvicorn.Config(create_app(cluster), host=args.host, port=args.port, log_level='warning'))

    async def serve() -> None:
        simulation = asyncio.create_task(cluster.run())
        try:
            await server.serve()
        finally:
            simulation.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await simulation

    asyncio.run(serve())


if __name__ == '__main__':
    main()
