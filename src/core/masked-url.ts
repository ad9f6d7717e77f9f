/**
 * `url` with the password of its userinfo (`scheme://user:password@…`) shown as `***`, for logs,
 * messages and the start banner: the rest still says where. A regular expression rather than
 * `URL`, since an `esdb+discover://` string lists several `host:port`s, which `URL` refuses.
 */
export const maskPassword = (url: string): string =>
  url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
