"""The baseline: a bare FastAPI JSON endpoint, served by uvicorn exactly as Espaze is (one worker)."""

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.post('/beat')
async def beat() -> dict[str, object]:
    return {'serverTime': '2026-01-01T00:00:00Z', 'nextHeartbeatSeconds': 30}


if __name__ == '__main__':
    uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning', ws='wsproto')
