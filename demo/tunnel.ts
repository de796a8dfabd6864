// How to open a page served on a remote machine at localhost, where the sandbox site allows it: an SSH tunnel.

export interface TunnelAdvice {
  /** The command that opens the tunnel from the person's machine. */
  readonly command: string;
  /** Where the page is then, on the person's machine. */
  readonly url: string;
}

/** The tunnel to the page at `page` (its protocol, host, port and path, as `location` has them). */
export function tunnelAdvice(page: Pick<URL, 'protocol' | 'hostname' | 'port' | 'pathname'>): TunnelAdvice {
  const port = page.port || (page.protocol === 'https:' ? '443' : '80');
  // A port below 1024 is root's to open on the person's machine: the tunnel starts at 8787 instead.
  const local = Number(port) < 1024 ? '8787' : port;
  // ssh takes an IPv6 address without the brackets a URL puts around it.
  const host = page.hostname.replace(/^\[(.*)\]$/, '$1');
  // A host name is the address bar's, which a link chose: one with anything but letters, digits, dots, dashes and
  // colons (a browser takes `;`, `$`, braces) is quoted for the shell, so that the command opens a tunnel and no more.
  const shown = /^[\w.:-]+$/.test(host) ? host : `'${host.replace(/'/g, `'\\''`)}'`;
  // No host name begins with a dash; one that would is not taken for an option (`--`).
  return { command: `ssh -L ${local}:localhost:${port} ${host.startsWith('-') ? '-- ' : ''}${shown}`, url: `${page.protocol}//localhost:${local}${page.pathname}` };
}
