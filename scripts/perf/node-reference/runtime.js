// The smallest Lambda Runtime API loop (what the managed Node.js runtime does
// around a handler): init = require the handler, then /next → handler → /response.
const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;

async function main() {
  let handler;
  try {
    handler = require('./index.js').handler;
  } catch (error) {
    await fetch(`${api}/init/error`, { method: 'POST', body: JSON.stringify({ errorType: 'InitError', errorMessage: String(error) }) });
    process.exit(1);
  }
  for (;;) {
    const next = await fetch(`${api}/invocation/next`);
    const id = next.headers.get('lambda-runtime-aws-request-id');
    const event = await next.json();
    try {
      const result = await handler(event);
      await fetch(`${api}/invocation/${id}/response`, { method: 'POST', body: JSON.stringify(result ?? null) });
    } catch (error) {
      await fetch(`${api}/invocation/${id}/error`, {
        method: 'POST',
        body: JSON.stringify({ errorType: error.name || 'Error', errorMessage: String(error.message || error) }),
      });
    }
  }
}

main();
