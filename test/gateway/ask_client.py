"""An MCP client on the Python SDK that answers toolwatch's questions (test/gateway/ask-proxy.test.ts).

python ask_client.py URL TOKEN ANSWER CALLS_JSON: ANSWER is accept, decline or cancel. Calls each
{"name", "arguments"} in turn and prints one JSON line: {"results": [...], "questions": [...]}, each result
{"text"} or {"error": {"code", "message", "data"}}.
"""

import asyncio
import json
import sys

from mcp import ClientSession, types
from mcp.client.streamable_http import streamablehttp_client
from mcp.shared.exceptions import McpError


async def main(url: str, token: str, answer: str, calls: list) -> None:
    questions = []

    async def on_question(context, params: types.ElicitRequestParams):
        questions.append({"message": params.message, "schema": params.requestedSchema})
        return types.ElicitResult(action=answer, content={} if answer == "accept" else None)

    results = []
    async with streamablehttp_client(url, headers={"Authorization": f"Bearer {token}"}) as (read, write, _):
        async with ClientSession(read, write, elicitation_callback=on_question) as session:
            await session.initialize()
            for call in calls:
                try:
                    r = await session.call_tool(call["name"], call["arguments"])
                    results.append({"text": r.content[0].text, "isError": r.isError})
                except McpError as e:
                    results.append({"error": {"code": e.error.code, "message": e.error.message, "data": e.error.data}})
    print(json.dumps({"results": results, "questions": questions}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])))
