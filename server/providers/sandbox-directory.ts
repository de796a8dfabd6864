// The sandbox's registered pairs and fault numbers: the one list the sandbox provider, the demo and the tests read.

export interface SandboxEntry {
  readonly phoneNumber: string;
  readonly name: string;
}

/** Numbers registered in the sandbox, with the name each is registered to. */
export const sandboxDirectory: readonly SandboxEntry[] = [
  { phoneNumber: '13800138000', name: '张三' },
  { phoneNumber: '18612345678', name: '李四' },
  { phoneNumber: '13312345678', name: '王五' },
  { phoneNumber: '19212345678', name: '买买提·艾力' },
  { phoneNumber: '17012345678', name: '欧阳娜娜' },
  { phoneNumber: '15912345678', name: '𠮷祥' },
];

/** Numbers that make the sandbox upstream misbehave. */
export const sandboxFaults = {
  /** The upstream answers HTTP 500; the proxy answers 502 `UPSTREAM_ERROR`. */
  serverError: '13800000500',
  /** The upstream never answers; the proxy answers 504 `UPSTREAM_TIMEOUT` after its timeout. */
  noAnswer: '13800000504',
} as const;
