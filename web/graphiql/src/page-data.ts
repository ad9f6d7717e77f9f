/** What esgraph tells this page when it serves index.html (src/server/web-pages.ts). */
export interface GraphiQLPageData {
  /** The header editor's starting headers: a development token, only on a development server. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The JSON data block static-pages.ts puts in the page; nothing when it is absent or unreadable. */
export const readPageData = (): GraphiQLPageData => {
  const text = document.getElementById('esgraph-page-data')?.textContent;
  if (!text) return {};
  try {
    const data: unknown = JSON.parse(text);
    return typeof data === 'object' && data !== null ? (data as GraphiQLPageData) : {};
  } catch {
    return {};
  }
};
