// A real OpenID Connect provider (panva/oidc-provider, OpenID certified) on loopback for the
// SSO tests. Its own development sign-in and consent pages stand in for the IdP's login.
// Env: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, ACCOUNTS (JSON: {sub: {email, name, groups}}).
// Test-only control: POST /_test/groups/<sub> with a JSON list sets that person's groups.
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  cookies: { keys: ['avodash-test-oidc'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, sub) {
    if (!accounts[sub]) return undefined;
    return {
      accountId: sub,
      async claims() {
        const a = accounts[sub];
        const [given, ...rest] = (a.name || sub).split(' ');
        return {
          sub, email: a.email, email_verified: true, name: a.name, given_name: given,
          family_name: rest.join(' '), preferred_username: sub, groups: a.groups || [],
        };
      },
    };
  },
});
provider.proxy = false;

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const m = req.url.match(/^\/_test\/groups\/([^/?]+)$/);
  if (m && req.method === 'POST') {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const sub = decodeURIComponent(m[1]);
      accounts[sub] = { ...(accounts[sub] || {}), groups: JSON.parse(body || '[]') };
      res.writeHead(204); res.end();
    });
    return;
  }
  callback(req, res);
});
server.listen(port, '127.0.0.1', () => { console.log(`READY ${issuer}`); });
