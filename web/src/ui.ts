// Small DOM helpers. Text always goes in as text (textContent), never as HTML: file names and claims are user data.

type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | boolean | ((event: Event) => void)>;

export function h(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false) element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

/** Replace the main region's content and move focus to its heading, so screen readers announce the new view. */
export function show(...children: Child[]): void {
  const main = document.getElementById("main") as HTMLElement;
  main.replaceChildren(...children.filter((c): c is Node | string => Boolean(c)));
  const heading = main.querySelector("h1, h2");
  if (heading instanceof HTMLElement) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

export function status(message: string): void {
  (document.getElementById("status") as HTMLElement).textContent = message;
}

/** An alert region for a view's errors (announced when text appears). */
export function alertBox(): { element: HTMLElement; set: (message: string) => void } {
  const element = h("p", { role: "alert", class: "error" });
  return { element, set: (message) => (element.textContent = message) };
}

export function table(caption: string, headers: string[], rows: Child[][]): HTMLElement {
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headers.map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, ...rows.map((cells) => h("tr", {}, ...cells.map((cell) => h("td", {}, cell))))),
  );
}

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Save bytes as a file through a temporary object URL. */
export function save(bytes: BlobPart, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes]));
  const link = h("a", { href: url, download: name.split("/").pop() ?? name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
