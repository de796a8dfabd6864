// The page inside the strict-CSP frame of csp.test.ts: records every violation, verifies a pair, reports both to the test.
const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (event) => violations.push(`${event.effectiveDirective} ${event.blockedURI}`));
await import('../../widget/define.js');
const el = document.querySelector('carrier-verify')!;
el.fill({ name: '张三', phoneNumber: '13800138000' });
const outcome = await el.verify();
await el.updateComplete;
parent.postMessage({ status: outcome.status, display: getComputedStyle(el).display, violations }, '*');

export {};
