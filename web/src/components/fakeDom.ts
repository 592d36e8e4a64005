/**
 * Just enough of a DOM for react-dom/client to mount, update and unmount a tree in Vitest's
 * Node environment (the project has no jsdom), so that behaviour only a live React root
 * has, such as error boundaries and remounting, can be tested. Elements keep attributes,
 * children and text; events capture and bubble through parents. Nothing here lays out or
 * styles anything.
 */

type Listener = { callback: (event: FakeEvent) => void; capture: boolean };

export class FakeEvent {
  readonly type: string;
  readonly bubbles: boolean;
  target: FakeNode | null = null;
  currentTarget: FakeNode | null = null;
  eventPhase = 0;
  defaultPrevented = false;
  readonly timeStamp = Date.now();
  private stopped = false;

  constructor(type: string, init: { bubbles?: boolean } = {}) {
    this.type = type;
    this.bubbles = init.bubbles ?? false;
  }

  stopPropagation(): void {
    this.stopped = true;
  }

  preventDefault(): void {
    this.defaultPrevented = true;
  }

  get propagationStopped(): boolean {
    return this.stopped;
  }
}

export class FakeNode {
  readonly nodeType: number;
  readonly nodeName: string;
  ownerDocument: FakeDocument | null;
  parentNode: FakeNode | null = null;
  childNodes: FakeNode[] = [];
  private listeners = new Map<string, Listener[]>();

  constructor(nodeType: number, nodeName: string, ownerDocument: FakeDocument | null) {
    this.nodeType = nodeType;
    this.nodeName = nodeName;
    this.ownerDocument = ownerDocument;
  }

  get firstChild(): FakeNode | null {
    return this.childNodes[0] ?? null;
  }

  get lastChild(): FakeNode | null {
    return this.childNodes.at(-1) ?? null;
  }

  get nextSibling(): FakeNode | null {
    const siblings = this.parentNode?.childNodes ?? [];
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }

  get parentElement(): FakeNode | null {
    return this.parentNode;
  }

  appendChild<T extends FakeNode>(child: T): T {
    child.parentNode?.removeChild(child);
    child.parentNode = this;
    this.childNodes.push(child);
    return child;
  }

  insertBefore<T extends FakeNode>(child: T, before: FakeNode | null): T {
    if (before === null) return this.appendChild(child);
    child.parentNode?.removeChild(child);
    const index = this.childNodes.indexOf(before);
    if (index < 0) throw new Error('insertBefore: not a child');
    child.parentNode = this;
    this.childNodes.splice(index, 0, child);
    return child;
  }

  removeChild<T extends FakeNode>(child: T): T {
    const index = this.childNodes.indexOf(child);
    if (index < 0) throw new Error('removeChild: not a child');
    this.childNodes.splice(index, 1);
    child.parentNode = null;
    return child;
  }

  contains(node: FakeNode | null): boolean {
    for (let current = node; current !== null; current = current.parentNode) if (current === this) return true;
    return false;
  }

  get textContent(): string {
    return this.childNodes.map((child) => child.textContent).join('');
  }

  set textContent(value: string) {
    for (const child of this.childNodes) child.parentNode = null;
    this.childNodes = [];
    if (value !== '' && this.ownerDocument !== null) this.appendChild(this.ownerDocument.createTextNode(value));
  }

  addEventListener(type: string, callback: (event: FakeEvent) => void, options?: boolean | { capture?: boolean }): void {
    const capture = typeof options === 'boolean' ? options : (options?.capture ?? false);
    const list = this.listeners.get(type) ?? [];
    list.push({ callback, capture });
    this.listeners.set(type, list);
  }

  removeEventListener(type: string, callback: (event: FakeEvent) => void, options?: boolean | { capture?: boolean }): void {
    const capture = typeof options === 'boolean' ? options : (options?.capture ?? false);
    const list = this.listeners.get(type) ?? [];
    this.listeners.set(
      type,
      list.filter((l) => l.callback !== callback || l.capture !== capture),
    );
  }

  /** Capture from the top down to the target, then bubble back up. */
  dispatchEvent(event: FakeEvent): boolean {
    const path: FakeNode[] = [];
    for (let node: FakeNode | null = this; node !== null; node = node.parentNode) path.push(node);
    event.target = this;
    const run = (node: FakeNode, capture: boolean, phase: number) => {
      event.currentTarget = node;
      event.eventPhase = phase;
      for (const listener of [...(node.listeners.get(event.type) ?? [])]) {
        if (listener.capture === capture || phase === 2) listener.callback(event);
      }
    };
    for (const node of [...path].reverse().slice(0, -1)) {
      run(node, true, 1);
      if (event.propagationStopped) return !event.defaultPrevented;
    }
    run(this, true, 2);
    if (event.bubbles) {
      for (const node of path.slice(1)) {
        if (event.propagationStopped) break;
        run(node, false, 3);
      }
    }
    return !event.defaultPrevented;
  }
}

export class FakeText extends FakeNode {
  data: string;

  constructor(data: string, ownerDocument: FakeDocument) {
    super(3, '#text', ownerDocument);
    this.data = data;
  }

  get nodeValue(): string {
    return this.data;
  }

  set nodeValue(value: string) {
    this.data = value;
  }

  override get textContent(): string {
    return this.data;
  }

  override set textContent(value: string) {
    this.data = value;
  }
}

export class FakeElement extends FakeNode {
  readonly tagName: string;
  readonly namespaceURI = 'http://www.w3.org/1999/xhtml';
  readonly attributes = new Map<string, string>();
  readonly style: Record<string, string> & { setProperty(name: string, value: string): void } = Object.assign(Object.create(null), {
    setProperty(this: Record<string, string>, name: string, value: string) {
      this[name] = value;
    },
  });

  constructor(tagName: string, ownerDocument: FakeDocument) {
    super(1, tagName.toUpperCase(), ownerDocument);
    this.tagName = tagName.toUpperCase();
  }

  setAttribute(name: string, value: unknown): void {
    this.attributes.set(name, String(value));
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  hasAttribute(name: string): boolean {
    return this.attributes.has(name);
  }

  removeAttribute(name: string): void {
    this.attributes.delete(name);
  }

  focus(): void {
    if (this.ownerDocument !== null) this.ownerDocument.activeElement = this;
  }

  blur(): void {
    if (this.ownerDocument?.activeElement === this) this.ownerDocument.activeElement = this.ownerDocument.body;
  }

  click(): void {
    this.dispatchEvent(new FakeEvent('click', { bubbles: true }));
  }

  /** Every element below this one (depth first) that `test` accepts. */
  findAll(test: (element: FakeElement) => boolean): FakeElement[] {
    const found: FakeElement[] = [];
    const visit = (node: FakeNode) => {
      for (const child of node.childNodes) {
        if (child instanceof FakeElement) {
          if (test(child)) found.push(child);
          visit(child);
        }
      }
    };
    visit(this);
    return found;
  }
}

export class FakeDocument extends FakeNode {
  readonly documentElement: FakeElement;
  readonly body: FakeElement;
  activeElement: FakeElement | null;
  defaultView: unknown = null;

  constructor() {
    super(9, '#document', null);
    this.documentElement = new FakeElement('html', this);
    this.body = new FakeElement('body', this);
    this.appendChild(this.documentElement);
    this.documentElement.appendChild(this.body);
    this.activeElement = this.body;
  }

  createElement(tagName: string): FakeElement {
    return new FakeElement(tagName, this);
  }

  createElementNS(_namespace: string, tagName: string): FakeElement {
    return new FakeElement(tagName, this);
  }

  createTextNode(data: string): FakeText {
    return new FakeText(data, this);
  }

  createComment(data: string): FakeText {
    return new FakeText(data, this);
  }
}

/** A window with the fake document, as react-dom looks for it. */
export function createFakeWindow(pathname = '/') {
  const document = new FakeDocument();
  const target = new FakeNode(0, '#window', null);
  const window = {
    document,
    event: undefined,
    location: { pathname, href: `http://127.0.0.1${pathname}` },
    HTMLIFrameElement: class HTMLIFrameElement {},
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    dispatchEvent: target.dispatchEvent.bind(target),
  };
  document.defaultView = window;
  return { window, document };
}
