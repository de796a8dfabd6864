// The package's server entry for a site's own backend: the proxy app, its configuration, and the token check.
export { createApp, MAX_BODY_BYTES } from './app.js';
export { ConfigError, loadConfig, sandboxProvider, type AppConfig, type AssetFetcher, type LogLine, type NodeSettings, type ResolvedConfig } from './config.js';
export { generateTokenKey, nameFromForm, verifyToken, TOKEN_TTL_SECONDS, type TokenCheck, type TokenClaims, type TokenError, type TokenKeyConfig, type TokenKeySet, type VerifyTokenOptions } from './tokens.js';
export { keygenLines } from './keygen.js';
export { createHttpProvider, type HttpProviderOptions } from './providers/http.js';
export { UpstreamError, type CallControl, type Provider, type ProviderAnswer, type Transport, type TransportResponse, type VerifyQuery } from './providers/types.js';
export { MemoryStore } from './stores/memory.js';
// A store of the site's own throws StoreUnavailableError when its backend cannot answer (see docs/install.md, Inside your own backend).
export { StoreUnavailableError, type Store, type StoreHealth, type WindowCount } from './stores/types.js';
export type { Site } from './sites.js';
export { maskName, maskPhone } from './privacy.js';
export { checkName, checkPhone, checkRequest, type NameCheck, type PhoneCheck, type RequestCheck } from '../widget/validation.js';
export { ResultCode, resultCodes, errorStatus, type ErrorCode } from '../widget/codes.js';
