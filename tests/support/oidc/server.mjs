// A local OpenID Connect provider for the single sign-on tests (panva/oidc-provider, an OpenID
// certified implementation). Reads one JSON file (argv[2]):
//   {"port": 9xxx, "client": {"client_id", "client_secret", "redirect_uris": [...]},
//    "accounts": {"alice": {"email": "alice@example.org", "name": "Alice"}, ...}}
// Its development sign-in screens take any account id of "accounts" with any password; the
// tests drive them with a real browser. Prints "ready <issuer>" once it listens.
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: [{
    ...config.client,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, email_verified: true, ...claims }; } };
  },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] },
  // the relying party (Streamlit with Authlib) reads the identity from the ID token
  conformIdTokenClaims: false,
  pkce: { required: () => false },
  cookies: { keys: ["hotline-test-oidc-cookie-key"] },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;

provider.listen(config.port, "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});
