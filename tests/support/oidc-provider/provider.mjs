// panva's oidc-provider (OpenID Certified) as the tests' single sign-on provider, on a loopback port.
//
// Configured by a JSON file named on the command line: {port, kid, clients, accounts}. Accounts sign in through a
// one-field form at /interaction/<uid> (their id; "refuse" denies the request), and the grant is given at once.
// POST /__test/accounts {id: claims} changes accounts; POST /__test/tamper {claims, unknownKey} makes the next token responses carry an ID token with those claims
// changed (re-signed with the provider's own key, or with a key it never published): the refusals the tests check.
import fs from 'node:fs';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await jose.exportJWK(privateKey)), kid: config.kid, alg: 'RS256', use: 'sig' };
const stranger = (await jose.generateKeyPair('RS256')).privateKey;
let tamper = null;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [signingKey] },
  findAccount: async (ctx, id) =>
    config.accounts[id] ? { accountId: id, claims: async () => ({ sub: id, ...config.accounts[id] }) } : undefined,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified', 'xms_edov'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  cookies: { keys: ['espaze-tests-only'] },
  ttl: { AuthorizationCode: 60, IdToken: 300, AccessToken: 300, Interaction: 300, Session: 600, Grant: 600 },
});

provider.use(async (ctx, next) => {
  await next();
  if (tamper && ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    const claims = { ...jose.decodeJwt(ctx.body.id_token), ...tamper.claims };
    const kid = tamper.unknownKey ? 'never-published' : config.kid;
    ctx.body.id_token = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(tamper.unknownKey ? stranger : privateKey);
  }
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function interaction(req, res) {
  const uid = req.url.split('/')[2];
  if (req.method === 'GET') {
    await provider.interactionDetails(req, res);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><title>Test provider</title><h1>Test provider</h1>
      <form method="post" action="/interaction/${escape(uid)}">
      <label>Account <input name="login" autofocus></label><button type="submit">Sign in</button></form>`);
    return;
  }
  const body = await new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(new URLSearchParams(data)));
  });
  const details = await provider.interactionDetails(req, res);
  const login = body.get('login');
  if (login === 'refuse' || !config.accounts[login]) {
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'not allowed' });
    return;
  }
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: login }, consent: { grantId } });
}

async function testControl(req, res) {
  const body = await new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data ? JSON.parse(data) : {}));
  });
  if (req.url === '/__test/accounts') Object.assign(config.accounts, body);
  else tamper = body.claims || body.unknownKey ? { claims: body.claims || {}, unknownKey: !!body.unknownKey } : null;
  res.statusCode = 204;
  res.end();
}

const handle = provider.callback();
http
  .createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.statusCode = 204;
      return res.end();
    }
    const route = req.url.startsWith('/interaction/') ? interaction : req.url.startsWith('/__test/') ? testControl : null;
    if (!route) return handle(req, res);
    route(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  })
  .listen(config.port, '127.0.0.1', () => console.log(`listening ${issuer}`));
