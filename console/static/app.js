// dmsd console: plain JavaScript, no framework, no build step.
//
// Every API call is signed here, in the page, with SDK-HMAC-SHA256 exactly as
// the official huaweicloud-sdk-go-v3 signer signs it (see sign below). The
// secret key is imported once into a non-extractable WebCrypto HMAC key held
// in the `session` variable; it is never written to storage, cookies or the
// DOM, and "Sign out" drops it.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const utf8 = new TextEncoder();

  // ---------------------------------------------------------------------
  // SDK-HMAC-SHA256 signing.

  const ALGORITHM = 'SDK-HMAC-SHA256';
  const HEX = '0123456789ABCDEF';

  const toHex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

  const isUnreserved = (c) =>
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e; // A-Z a-z 0-9 - _ . ~

  // escapeBytes writes bytes as the SDK's escape does: A-Z a-z 0-9 - _ . ~
  // unchanged, every other byte %XX with uppercase hex.
  function escapeBytes(bytes) {
    let out = '';
    for (const c of bytes) {
      out += isUnreserved(c) ? String.fromCharCode(c) : '%' + HEX[c >> 4] + HEX[c & 15];
    }
    return out;
  }

  // sdkEscape escapes the UTF-8 bytes of s as the SDK does.
  const sdkEscape = (s) => escapeBytes(utf8.encode(String(s)));

  // unescapeBytes returns the bytes of an escaped path segment: %XX decoded,
  // everything else taken as UTF-8.
  function unescapeBytes(seg) {
    const out = [];
    for (let i = 0; i < seg.length; i++) {
      if (seg[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(seg.slice(i + 1, i + 3))) {
        out.push(parseInt(seg.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        const cp = seg.codePointAt(i);
        const ch = String.fromCodePoint(cp);
        out.push(...utf8.encode(ch));
        i += ch.length - 1;
      }
    }
    return out;
  }

  // canonicalURI is the SDK's canonical form of an escaped path: each segment
  // unescaped and escaped again, joined by '/', ending with '/'.
  function canonicalURI(path) {
    const uri = path.split('/').map((seg) => escapeBytes(unescapeBytes(seg))).join('/');
    return uri.endsWith('/') ? uri : uri + '/';
  }

  // compareBytes orders strings by their UTF-8 bytes, as Go's sort.Strings.
  function compareBytes(a, b) {
    const x = utf8.encode(a);
    const y = utf8.encode(b);
    for (let i = 0; i < x.length && i < y.length; i++) {
      if (x[i] !== y[i]) return x[i] - y[i];
    }
    return x.length - y.length;
  }

  // canonicalQuery is the SDK's canonical query of [key, value] pairs: sorted
  // by key then value, each escaped, joined by '&'. The page sends exactly
  // this string as the request's query, so what is signed is what is sent.
  function canonicalQuery(pairs) {
    return pairs
      .map(([k, v]) => [String(k), String(v)])
      .sort((p, q) => compareBytes(p[0], q[0]) || compareBytes(p[1], q[1]))
      .map(([k, v]) => sdkEscape(k) + '=' + sdkEscape(v))
      .join('&');
  }

  // sdkDate formats d as the X-Sdk-Date header: UTC YYYYMMDDTHHMMSSZ.
  const sdkDate = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

  const sha256Hex = async (bytes) => toHex(await crypto.subtle.digest('SHA-256', bytes));

  // sign returns the headers that sign a request, as the SDK computes them:
  // the headers it sets (X-Project-Id, X-Sdk-Date; browsers may not set Host
  // and the SDK does not sign Content-Type) are the signed headers.
  async function sign(s, method, path, query, body) {
    const date = sdkDate(new Date());
    const headers = { 'x-project-id': s.projectId, 'x-sdk-date': date };
    const names = Object.keys(headers).sort();
    const canonicalHeaders = names.map((n) => n + ':' + headers[n].trim() + '\n').join('');
    const signedHeaders = names.join(';');
    const canonicalRequest = [
      method,
      canonicalURI(path),
      query,
      canonicalHeaders, // ends with its own newline, as in the SDK
      signedHeaders,
      await sha256Hex(utf8.encode(body)),
    ].join('\n');
    const stringToSign = ALGORITHM + '\n' + date + '\n' + (await sha256Hex(utf8.encode(canonicalRequest)));
    const signature = toHex(await crypto.subtle.sign('HMAC', s.key, utf8.encode(stringToSign)));
    return {
      'X-Project-Id': headers['x-project-id'],
      'X-Sdk-Date': date,
      Authorization: `${ALGORITHM} Access=${s.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  }

  // ---------------------------------------------------------------------
  // API calls.

  class ApiError extends Error {
    constructor({ status = 0, code = '', message, requestId = '', network = false }) {
      super(message);
      this.status = status;
      this.code = code;
      this.requestId = requestId;
      this.network = network;
    }

    describe() {
      if (this.network) return this.message;
      let text = this.code ? `${this.code}: ${this.message}` : this.message;
      const extra = [`HTTP ${this.status}`];
      if (this.requestId) extra.push(`request ID ${this.requestId}`);
      return `${text} (${extra.join(', ')})`;
    }
  }

  // api sends a signed request for the path made of segments (each escaped)
  // and the query pairs, and returns the decoded JSON answer, or null for
  // 204. It throws an ApiError for an error answer or a network failure.
  async function api(s, method, segments, queryPairs = [], body = '') {
    const path = '/' + segments.map(sdkEscape).join('/');
    const query = canonicalQuery(queryPairs);
    const headers = await sign(s, method, path, query, body);
    if (body) headers['Content-Type'] = 'application/json';
    let resp;
    try {
      resp = await fetch(path + (query ? '?' + query : ''), {
        method,
        headers,
        body: body || undefined,
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error',
        signal: AbortSignal.timeout(30000),
      });
    } catch (err) {
      const why = err && err.name === 'TimeoutError' ? 'it timed out after 30 seconds' : `${err && err.message ? err.message : err}`;
      throw new ApiError({ network: true, message: `Network error: the request to the server failed (${why}). Check that dmsd is running and reachable.` });
    }
    const requestId = resp.headers.get('X-Request-Id') || '';
    const text = await resp.text().catch(() => '');
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!resp.ok) {
      if (data && typeof data.error_code === 'string') {
        throw new ApiError({ status: resp.status, code: data.error_code, message: data.error_msg || 'No error message.', requestId });
      }
      const snippet = text.trim().slice(0, 200) || resp.statusText || 'no details';
      throw new ApiError({ status: resp.status, message: `The server answered ${resp.status}: ${snippet}`, requestId });
    }
    if (resp.status === 204 || !text) return null;
    if (data === null) {
      throw new ApiError({ status: resp.status, message: 'The server answered with something that is not JSON.', requestId });
    }
    return data;
  }

  // ---------------------------------------------------------------------
  // Words, colours and formats.

  const TASK_STATUS = {
    SUCCESS: ['Successful', 'ok'],
    FAILED: ['Failed', 'fail'],
    EXECUTING: ['Executing', 'run'],
    CREATED: ['Created', 'wait'],
    CANCELLED: ['Cancelled', 'off'],
    DELETED: ['Deleted', 'off'],
  };
  // A step's statue takes the SDK's values, which differ from a task's.
  const STEP_STATUS = {
    COMPLETED: ['Completed', 'ok'],
    FAILED: ['Failed', 'fail'],
    IN_PROGRESS: ['In progress', 'run'],
    WAITING: ['Waiting', 'wait'],
  };
  const INSTANCE_STATUS = {
    RUNNING: ['Running', 'ok'],
    CREATING: ['Creating', 'run'],
    RESTARTING: ['Restarting', 'run'],
    EXTENDING: ['Changing specifications', 'run'],
    EXTENDEDFAILED: ['Specification change failed', 'fail'],
    DELETING: ['Deleting', 'wait'],
    ERROR: ['Abnormal', 'fail'],
    FROZEN: ['Frozen', 'off'],
  };
  const TASK_NAMES = {
    createInstance: 'Create instance',
    restartInstance: 'Restart instance',
    extendInstance: 'Modify specifications',
    deleteInstance: 'Delete instance',
    modifyAutoTopic: 'Modify automatic topic creation',
    kafkaResetConsumerOffset: 'Reset consumer offset',
    kafkaConfigModify: 'Modify Kafka parameters',
  };
  const RUNNING = new Set(['CREATED', 'EXECUTING']);
  const FINISHED = new Set(['SUCCESS', 'FAILED', 'CANCELLED']);

  const humanize = (s) => String(s || '').toLowerCase().replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  // taskLabel is the console's words for a task: by its name, and by its
  // params where two kinds share a name (a change of automatic topic
  // creation is a kafkaConfigModify, as the cloud names it).
  const taskLabel = (name, params) => {
    if (name === 'kafkaConfigModify' && String(params || '').includes('"new_auto_status"')) return TASK_NAMES.modifyAutoTopic;
    return TASK_NAMES[name] || name || '(unnamed)';
  };

  // statusBadge returns a coloured badge with the console's word for status.
  function statusBadge(table, status) {
    const [word, tone] = table[status] || [humanize(status) || 'Unknown', 'off'];
    return h('span', { class: `status status-${tone}`, 'data-status': status || '' }, word);
  }

  // formatTime shows an API time (ISO 8601, or milliseconds since the epoch)
  // as UTC "YYYY-MM-DD HH:MM:SS"; anything else as given.
  function formatTime(v) {
    if (v === undefined || v === null || v === '') return '—';
    const s = String(v);
    const d = /^\d{10,}$/.test(s) ? new Date(Number(s)) : new Date(s);
    return Number.isNaN(d.getTime()) ? s : d.toISOString().slice(0, 19).replace('T', ' ');
  }

  // toLocalInput returns an API time as a datetime-local value (UTC), or ''.
  function toLocalInput(v) {
    if (!v) return '';
    const s = String(v);
    const d = /^\d{10,}$/.test(s) ? new Date(Number(s)) : new Date(s);
    return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19);
  }

  // apiTime turns a datetime-local value, read as UTC, into YYYYMMDDHHmmss;
  // a value without seconds takes fill ("00" or "59"). '' stays ''.
  function apiTime(value, fill) {
    if (!value) return '';
    const digits = value.replace(/\D/g, '');
    if (digits.length === 12) return digits + fill;
    if (digits.length >= 14) return digits.slice(0, 14);
    throw new Error(`The time “${value}” is not a complete date and time.`);
  }

  // h builds an element: h('td', {class: 'x', 'data-id': 1}, 'text', child).
  function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const utcNow = () => new Date().toISOString().slice(11, 19) + ' UTC';

  // ---------------------------------------------------------------------
  // Error banner. It is cleared only when the user dismisses it or starts a
  // new action, never by a background refresh, so no error goes unseen.

  function showError(context, err) {
    const detail = err instanceof ApiError ? err.describe() : err && err.message ? err.message : String(err);
    $('error-text').textContent = context ? `${context}: ${detail}` : detail;
    $('error-banner').hidden = false;
  }

  function clearError() {
    $('error-banner').hidden = true;
    $('error-text').textContent = '';
  }

  // ---------------------------------------------------------------------
  // State.

  let session = null; // { accessKey, projectId, key: CryptoKey }
  let instances = []; // the instance list, as the API last answered it
  let instance = null; // the instance shown, as the API last answered it
  let tab = 'background';
  let tasks = []; // the fetched background tasks, newest first
  let taskCount = 0;
  let truncated = false;
  let jobs = null; // the fetched scheduled tasks
  let jobCount = 0; // how many there are, as the API counts them
  let jobsNote = ''; // why the list is empty, when the API explains it
  let pollTimer = 0;
  let loadSeq = 0; // bumped by every load; a load whose number is stale is dropped
  const expanded = new Set(); // finished tasks whose progress was asked for
  const progress = new Map(); // task id -> progress answer

  const PAGE = 100; // the API's largest page
  const MAX_TASKS = 2000; // fetched at most, in pages of PAGE
  const POLL_MS = 2000;

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = 0;
  }

  function showView(name) {
    for (const v of ['signin', 'instances', 'instance']) $(`${v}-view`).hidden = v !== name;
    $('session').hidden = name === 'signin';
    document.body.dataset.view = name;
  }

  const projectPath = (...rest) => ['v2', session.projectId, ...rest];

  // ---------------------------------------------------------------------
  // Sign-in and sign-out.

  async function signIn(ev) {
    ev.preventDefault();
    clearError();
    if (!window.crypto || !crypto.subtle) {
      showError('Cannot sign requests', new Error('this browser offers WebCrypto only to secure pages: open the console over HTTPS or at http://127.0.0.1 or http://localhost.'));
      return;
    }
    const accessKey = $('access-key').value.trim();
    const projectId = $('project-id').value.trim();
    const secret = $('secret-key').value;
    const button = $('signin-submit');
    button.disabled = true;
    try {
      const key = await crypto.subtle.importKey('raw', utf8.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      const candidate = { accessKey, projectId, key };
      // The first signed call proves the keys; nothing is kept if it fails.
      const list = await api(candidate, 'GET', ['v2', projectId, 'instances']);
      session = candidate;
      $('secret-key').value = '';
      $('session-ak').textContent = accessKey;
      $('session-project').textContent = projectId;
      showView('instances');
      renderInstances(list);
    } catch (err) {
      showError('Sign-in failed', err);
    } finally {
      button.disabled = false;
    }
  }

  function signOut() {
    stopPolling();
    loadSeq++;
    session = null;
    instances = [];
    instance = null;
    tasks = [];
    jobs = null;
    expanded.clear();
    progress.clear();
    $('signin-form').reset();
    $('instances-body').replaceChildren();
    $('tasks-body').replaceChildren();
    $('scheduled-body').replaceChildren();
    clearInstancePages();
    for (const d of document.querySelectorAll('dialog[open]')) d.close('cancel');
    clearError();
    showView('signin');
    $('access-key').focus();
  }

  // ---------------------------------------------------------------------
  // Instances.

  async function loadInstances() {
    const s = session;
    const seq = ++loadSeq;
    stopPolling();
    try {
      const list = await api(s, 'GET', projectPath('instances'));
      if (s !== session || seq !== loadSeq) return;
      renderInstances(list);
    } catch (err) {
      if (s !== session || seq !== loadSeq) return;
      showError('Could not list the instances', err);
    }
  }

  function instanceAddress(inst) {
    if (inst.kafka_private_connect_address) return inst.kafka_private_connect_address;
    if (inst.connect_address) return inst.port ? `${inst.connect_address}:${inst.port}` : inst.connect_address;
    return '—';
  }

  function renderInstances(list) {
    stopPolling();
    instances = (list && list.instances) || [];
    const body = $('instances-body');
    body.replaceChildren(
      ...instances.map((inst) =>
        h('tr', { 'data-instance-id': inst.instance_id, 'data-status': inst.status },
          h('td', {}, h('button', { type: 'button', class: 'link', 'data-action': 'open-instance', 'data-instance-id': inst.instance_id }, inst.name)),
          h('td', {}, h('code', {}, inst.instance_id)),
          h('td', {}, statusBadge(INSTANCE_STATUS, inst.status)),
          h('td', {}, String(inst.broker_num ?? '—')),
          h('td', {}, h('code', {}, instanceAddress(inst))),
        ),
      ),
    );
    body.dataset.count = String(instances.length);
    $('instances-table').hidden = instances.length === 0;
    $('instances-empty').hidden = instances.length !== 0;
    $('instances-updated').textContent = `${instances.length} instance${instances.length === 1 ? '' : 's'}, updated ${utcNow()}.`;
    // Follow instances that are changing, as the console does.
    if (instances.some((i) => ['CREATING', 'RESTARTING', 'EXTENDING', 'DELETING'].includes(i.status))) {
      pollTimer = setTimeout(loadInstances, POLL_MS);
    }
  }

  function openInstance(id) {
    const inst = instances.find((i) => i.instance_id === id);
    if (!inst) return;
    clearError();
    stopPolling();
    instance = inst;
    tasks = [];
    jobs = null;
    expanded.clear();
    progress.clear();
    $('task-begin').value = '';
    $('task-end').value = '';
    $('task-search').value = '';
    $('tasks-body').replaceChildren();
    $('scheduled-body').replaceChildren();
    clearInstancePages();
    renderInstanceHeader();
    showView('instance');
    selectTab('background');
  }

  function renderInstanceHeader() {
    $('instance-title').textContent = instance.name;
    $('crumb-instance').textContent = instance.name;
    $('instance-id').textContent = instance.instance_id;
    $('instance-status').replaceChildren(statusBadge(INSTANCE_STATUS, instance.status));
    const auto = instance.enable_auto_topic === true;
    $('instance-autotopic').textContent = auto ? 'enabled' : 'disabled';
    $('instance-autotopic-toggle').textContent = auto ? 'Disable automatic topic creation' : 'Enable automatic topic creation';
    $('instance-autotopic-toggle').dataset.enabled = String(auto);
  }

  function backToInstances() {
    clearError();
    instance = null;
    showView('instances');
    loadInstances();
  }

  // ---------------------------------------------------------------------
  // Tabs and filters.

  const TABS = ['background', 'scheduled', 'topics', 'groups', 'messages'];

  function selectTab(name) {
    tab = name;
    for (const t of TABS) {
      const button = $(`tab-${t}`);
      button.setAttribute('aria-selected', String(t === name));
      button.tabIndex = t === name ? 0 : -1;
      $(`panel-${t}`).hidden = t !== name;
    }
    // The time range and keyword filter tasks only.
    $('task-filter').hidden = name !== 'background' && name !== 'scheduled';
    reload();
  }

  function reload() {
    if (!session || !instance) return;
    if (tab === 'background') loadTasks();
    else if (tab === 'scheduled') loadScheduled();
    else if (tab === 'topics') loadTopics();
    else if (tab === 'groups') loadGroups();
    else loadTopicNames();
  }

  // timeRange reads the time range inputs as UTC query pairs.
  function timeRange() {
    const pairs = [];
    const begin = apiTime($('task-begin').value, '00');
    const end = apiTime($('task-end').value, '59');
    if (begin) pairs.push(['begin_time', begin]);
    if (end) pairs.push(['end_time', end]);
    return pairs;
  }

  const keyword = () => $('task-search').value.trim().toLowerCase();

  function matches(t, kw) {
    if (!kw) return true;
    return [t.name, taskLabel(t.name, t.params), t.user_name, t.params].some((f) => String(f || '').toLowerCase().includes(kw));
  }

  // ---------------------------------------------------------------------
  // Background tasks.

  async function loadTasks() {
    const s = session;
    const inst = instance;
    const seq = ++loadSeq;
    stopPolling();
    const stale = () => s !== session || inst !== instance || seq !== loadSeq;
    $('panel-background').dataset.state = 'loading';
    try {
      const range = timeRange();
      // The instance (for its status) and every page of its tasks; both
      // settle before anything is shown, so no failure goes unreported.
      const fetchTasks = async () => {
        const all = [];
        let count = 0;
        for (let offset = 0; ; ) {
          const page = await api(s, 'GET', projectPath('instances', inst.instance_id, 'tasks'), [
            ['limit', String(PAGE)],
            ['offset', String(offset)],
            ...range,
          ]);
          const got = (page && page.tasks) || [];
          count = Number(page && page.task_count) || 0;
          all.push(...got);
          offset += got.length;
          if (got.length === 0 || offset >= count || all.length >= MAX_TASKS) return [all, count];
        }
      };
      const [fresh, [all, count]] = await Promise.all([api(s, 'GET', projectPath('instances', inst.instance_id)), fetchTasks()]);
      if (stale()) return;
      instance = Object.assign(inst, fresh);
      renderInstanceHeader();
      tasks = all;
      taskCount = count;
      truncated = all.length < count;
      // Progress of every running task shown, and of finished ones asked for.
      const kw = keyword();
      const want = tasks.filter((t) => (RUNNING.has(t.status) && matches(t, kw)) || expanded.has(t.id));
      await Promise.all(want.map((t) => loadProgress(s, inst, t.id)));
      if (stale()) return;
      renderTasks();
    } catch (err) {
      if (stale()) return;
      $('panel-background').dataset.state = 'error';
      showError('Could not load the background tasks', err);
    }
  }

  // loadProgress fetches a task's progress into the progress map. A task that
  // disappeared meanwhile is simply left out; other errors are shown.
  async function loadProgress(s, inst, taskId) {
    try {
      progress.set(taskId, await api(s, 'GET', projectPath('instances', inst.instance_id, 'tasks', taskId, 'progress')));
    } catch (err) {
      progress.delete(taskId);
      if (err instanceof ApiError && err.code === 'DMS.00404070') return;
      if (s === session && inst === instance) showError('Could not load the progress of a task', err);
    }
  }

  function renderTasks() {
    const kw = keyword();
    const shown = tasks.filter((t) => matches(t, kw));
    const rows = [];
    for (const t of shown) {
      const running = RUNNING.has(t.status);
      const finished = FINISHED.has(t.status);
      const actions = h('div', { class: 'row-actions' });
      if (!running) {
        const open = expanded.has(t.id);
        actions.append(h('button', { type: 'button', class: 'secondary', 'data-action': 'progress', 'data-task-id': t.id, 'aria-expanded': String(open) }, open ? 'Hide progress' : 'Progress'));
      }
      if (finished) {
        actions.append(h('button', { type: 'button', class: 'danger', 'data-action': 'delete', 'data-task-id': t.id, 'aria-label': `Delete task ${taskLabel(t.name, t.params)} ${t.id}` }, 'Delete'));
      } else if (running) {
        actions.append(h('span', { class: 'hint' }, 'Can be deleted once finished'));
      }
      const params = String(t.params || '');
      rows.push(
        h('tr', { 'data-task-id': t.id, 'data-status': t.status, 'data-task-name': t.name },
          h('td', {}, h('div', {}, taskLabel(t.name, t.params)), h('code', { class: 'hint' }, t.name), h('div', { class: 'hint' }, h('code', {}, t.id))),
          h('td', {}, statusBadge(TASK_STATUS, t.status), t.reason ? h('span', { class: 'reason' }, t.reason) : null),
          h('td', { class: 'user' }, t.user_name || '—'),
          h('td', { class: 'params', title: params }, params.length > 160 ? params.slice(0, 157) + '…' : params || '—'),
          h('td', { class: 'time' }, formatTime(t.created_at)),
          h('td', { class: 'time' }, formatTime(t.updated_at)),
          h('td', {}, actions),
        ),
      );
      if ((running || expanded.has(t.id)) && progress.has(t.id)) rows.push(progressRow(t.id, progress.get(t.id), running));
    }
    const body = $('tasks-body');
    body.replaceChildren(...rows);
    body.dataset.count = String(shown.length);
    $('tasks-table').hidden = shown.length === 0;
    const empty = $('tasks-empty');
    empty.hidden = shown.length !== 0;
    empty.textContent = tasks.length === 0 ? 'No background tasks in this time range.' : 'No background tasks match the keyword.';
    let summary = kw ? `${shown.length} of ${tasks.length} tasks match “${$('task-search').value.trim()}”` : `${tasks.length} task${tasks.length === 1 ? '' : 's'}`;
    if (truncated) summary += ` (the newest ${tasks.length} of ${taskCount}; narrow the time range to see older ones)`;
    const anyRunning = shown.some((t) => RUNNING.has(t.status));
    summary += `. Updated ${utcNow()}` + (anyRunning ? '; refreshing every 2 seconds while tasks run.' : '.');
    $('tasks-summary').textContent = summary;
    $('panel-background').dataset.state = 'ready';
    stopPolling();
    if (anyRunning) pollTimer = setTimeout(loadTasks, POLL_MS);
  }

  function progressRow(taskId, p, running) {
    const pct = Math.max(0, Math.min(100, Number(p.progress_percentage) || 0));
    const steps = p.step_list || [];
    const head = h('div', { class: 'progress-head' },
      h('progress', { max: '100', value: String(pct), 'aria-label': 'Task progress' }),
      h('span', { class: 'progress-pct' }, `${pct}%`),
      running && p.remain_time ? h('span', { class: 'hint' }, `about ${p.remain_time} s left`) : null,
    );
    const table = h('table', { class: 'steps' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Step'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Started (UTC)'), h('th', { scope: 'col' }, 'Ended (UTC)'))),
      h('tbody', {}, ...steps.map((st) =>
        h('tr', { 'data-step': st.name, 'data-status': st.statue },
          h('td', {}, humanize(st.name)),
          h('td', {}, statusBadge(STEP_STATUS, st.statue)),
          h('td', { class: 'time' }, formatTime(st.start_time)),
          h('td', { class: 'time' }, formatTime(st.end_time)),
        ))),
    );
    return h('tr', { class: 'progress-row', 'data-progress-for': taskId },
      h('td', { colspan: '7' }, head, steps.length ? table : h('p', { class: 'hint' }, 'No steps reported.')));
  }

  async function toggleProgress(taskId) {
    clearError();
    if (expanded.has(taskId)) {
      expanded.delete(taskId);
      renderTasks();
      return;
    }
    expanded.add(taskId);
    const s = session;
    const inst = instance;
    await loadProgress(s, inst, taskId);
    if (s === session && inst === instance && tab === 'background') renderTasks();
  }

  async function deleteTask(taskId, button) {
    clearError();
    const t = tasks.find((x) => x.id === taskId);
    const label = t ? taskLabel(t.name, t.params) : 'task';
    const ok = await confirmDialog('Delete Task', `Delete the record of the task “${label}” (${taskId})? The instance is not affected.`);
    if (!ok || !session || !instance) return;
    const s = session;
    const inst = instance;
    button.disabled = true;
    try {
      await api(s, 'DELETE', projectPath('instances', inst.instance_id, 'tasks', taskId));
      expanded.delete(taskId);
      progress.delete(taskId);
    } catch (err) {
      if (s === session && inst === instance) showError(`Could not delete the task “${label}”`, err);
    }
    if (s === session && inst === instance) await loadTasks();
  }

  // ---------------------------------------------------------------------
  // Scheduled tasks ({"job_count": "...", "jobs": [...]}), for example
  // scheduled partition reassignments. A server without the route answers
  // 404 DMS.00404001, shown as an empty list with a note.

  async function loadScheduled() {
    const s = session;
    const inst = instance;
    const seq = ++loadSeq;
    stopPolling();
    const stale = () => s !== session || inst !== instance || seq !== loadSeq;
    $('panel-scheduled').dataset.state = 'loading';
    try {
      const list = await api(s, 'GET', projectPath('instances', inst.instance_id, 'scheduled-tasks'), [
        ['start', '1'],
        ['limit', String(PAGE)],
        ...timeRange(),
      ]);
      if (stale()) return;
      jobs = (list && list.jobs) || [];
      jobCount = Number(list && list.job_count) || jobs.length;
      jobsNote = '';
      renderScheduled();
    } catch (err) {
      if (stale()) return;
      if (err instanceof ApiError && err.status === 404 && err.code === 'DMS.00404001') {
        jobs = [];
        jobCount = 0;
        jobsNote = 'This server does not offer scheduled tasks yet.';
        renderScheduled();
        return;
      }
      $('panel-scheduled').dataset.state = 'error';
      showError('Could not load the scheduled tasks', err);
    }
  }

  const executeAt = (j) => j.execute_at ?? j.schedule_at ?? '';

  function renderScheduled() {
    const kw = keyword();
    jobs = jobs || [];
    const shown = jobs.filter((j) => matches(j, kw));
    $('scheduled-body').replaceChildren(
      ...shown.map((j) => {
        const actions = h('div', { class: 'row-actions' });
        if (j.status === 'CREATED') {
          actions.append(
            h('button', { type: 'button', class: 'secondary', 'data-action': 'reschedule', 'data-task-id': j.id }, 'Reschedule'),
            h('button', { type: 'button', class: 'danger', 'data-action': 'cancel-scheduled', 'data-task-id': j.id }, 'Cancel'),
          );
        }
        return h('tr', { 'data-task-id': j.id, 'data-status': j.status, 'data-task-name': j.name },
          h('td', {}, h('div', {}, taskLabel(j.name)), h('code', { class: 'hint' }, j.name)),
          h('td', {}, statusBadge(TASK_STATUS, j.status)),
          h('td', { class: 'time' }, formatTime(j.created_at)),
          h('td', { class: 'time' }, formatTime(executeAt(j))),
          h('td', {}, actions),
        );
      }),
    );
    $('scheduled-body').dataset.count = String(shown.length);
    $('scheduled-table').hidden = shown.length === 0;
    $('scheduled-empty').hidden = shown.length !== 0;
    let summary = kw ? `${shown.length} of ${jobs.length} scheduled tasks match “${$('task-search').value.trim()}”` : `${jobs.length} scheduled task${jobs.length === 1 ? '' : 's'}`;
    if (jobCount > jobs.length) summary += ` (the first ${jobs.length} of ${jobCount})`;
    $('scheduled-summary').textContent = jobsNote || `${summary}. Updated ${utcNow()}.`;
    $('panel-scheduled').dataset.state = 'ready';
  }

  async function updateScheduled(taskId, pairs, what) {
    const s = session;
    const inst = instance;
    try {
      await api(s, 'PUT', projectPath('instances', inst.instance_id, 'scheduled-tasks', taskId), pairs);
    } catch (err) {
      if (s === session && inst === instance) showError(`Could not ${what} the scheduled task`, err);
    }
    if (s === session && inst === instance) await loadScheduled();
  }

  async function rescheduleTask(taskId) {
    clearError();
    const j = (jobs || []).find((x) => x.id === taskId);
    const d = $('reschedule-dialog');
    $('reschedule-text').textContent = `Choose when the task “${j ? taskLabel(j.name) : taskId}” runs.`;
    $('reschedule-at').value = j ? toLocalInput(executeAt(j)) : '';
    if (!(await openDialog(d))) return;
    let at;
    try {
      at = apiTime($('reschedule-at').value, '00');
    } catch (err) {
      showError('Could not reschedule the task', err);
      return;
    }
    await updateScheduled(taskId, [['execute_at', at]], 'reschedule');
  }

  async function cancelScheduled(taskId) {
    clearError();
    const j = (jobs || []).find((x) => x.id === taskId);
    const ok = await confirmDialog('Cancel Scheduled Task', `Cancel the scheduled task “${j ? taskLabel(j.name) : taskId}”? It will not run.`);
    if (ok) await updateScheduled(taskId, [['status', 'CANCELLED']], 'cancel');
  }

  // ---------------------------------------------------------------------
  // Topics, read from the cluster: the list (name, partitions, replicas,
  // retention), each open topic's partitions from its detail, and the size
  // of every partition on every broker from the disk usage answer.

  let topics = [];
  let topicTotal = 0;
  let usage = new Map(); // "topic/partition" -> [[broker name, size]]
  const topicOpen = new Set(); // topics whose partitions are shown
  const topicParts = new Map(); // topic -> partitions of its detail
  let groups = [];
  let groupTotal = 0;
  const groupOpen = new Set(); // groups whose offsets are shown
  const groupOffsets = new Map(); // group -> its detail's group answer

  function clearInstancePages() {
    topics = [];
    groups = [];
    usage = new Map();
    topicOpen.clear();
    topicParts.clear();
    groupOpen.clear();
    groupOffsets.clear();
    $('topics-body').replaceChildren();
    $('groups-body').replaceChildren();
    $('messages-body').replaceChildren();
    $('messages-table').hidden = true;
    $('messages-empty').hidden = true;
    $('messages-summary').textContent = '';
    $('send-result').textContent = '';
    $('message-query').reset();
    $('message-send').reset();
    showQueryMode();
  }

  async function loadTopics() {
    const s = session;
    const inst = instance;
    const seq = ++loadSeq;
    stopPolling();
    const stale = () => s !== session || inst !== instance || seq !== loadSeq;
    $('panel-topics').dataset.state = 'loading';
    try {
      const id = inst.instance_id;
      const [list, disk] = await Promise.all([
        api(s, 'GET', projectPath('instances', id, 'topics'), [['offset', '0'], ['limit', '200']]),
        api(s, 'GET', projectPath('instances', id, 'topics', 'diskusage'), [['top', '1000']]),
      ]);
      if (stale()) return;
      topics = (list && list.topics) || [];
      topicTotal = Number(list && list.total) || topics.length;
      usage = new Map();
      for (const b of (disk && disk.broker_list) || []) {
        for (const e of b.topic_list || []) {
          const k = `${e.topic_name}/${e.topic_partition}`;
          if (!usage.has(k)) usage.set(k, []);
          usage.get(k).push([b.broker_name, e.size]);
        }
      }
      const open = topics.filter((t) => topicOpen.has(t.name));
      await Promise.all(open.map((t) => loadTopicDetail(s, inst, t.name)));
      if (stale()) return;
      renderTopics();
    } catch (err) {
      if (stale()) return;
      $('panel-topics').dataset.state = 'error';
      showError('Could not load the topics', err);
    }
  }

  async function loadTopicDetail(s, inst, name) {
    const d = await api(s, 'GET', projectPath('instances', inst.instance_id, 'management', 'topics', name));
    topicParts.set(name, (d && d.partitions) || []);
  }

  // partUsage is the disk usage of a partition, "broker-0: 1.2K"
  // for each broker holding it; sizes are the API's (du -h style).
  const partUsage = (topic, partition) => (usage.get(`${topic}/${partition}`) || []).map(([b, size]) => `${b}: ${size}`).join(', ') || '—';

  function renderTopics() {
    const rows = [];
    for (const t of topics) {
      const open = topicOpen.has(t.name);
      const parts = Number(t.partition) || 0;
      const brokers = new Set();
      for (let i = 0; i < parts; i++) for (const [b] of usage.get(`${t.name}/${i}`) || []) brokers.add(b);
      rows.push(
        h('tr', { 'data-topic': t.name },
          h('td', {}, h('code', {}, t.name)),
          h('td', { class: 'partitions' }, String(t.partition ?? '—')),
          h('td', {}, String(t.replication ?? '—')),
          h('td', {}, String(t.retention_time ?? '—')),
          h('td', { class: 'usage' }, brokers.size ? [...brokers].sort().join(', ') : '—'),
          h('td', {}, h('button', { type: 'button', class: 'secondary', 'data-action': 'partitions', 'data-topic': t.name, 'aria-expanded': String(open) }, open ? 'Hide partitions' : 'Partitions')),
        ),
      );
      if (open && topicParts.has(t.name)) rows.push(partitionRow(t.name, topicParts.get(t.name)));
    }
    $('topics-body').replaceChildren(...rows);
    $('topics-body').dataset.count = String(topics.length);
    $('topics-table').hidden = topics.length === 0;
    $('topics-empty').hidden = topics.length !== 0;
    let summary = `${topics.length} topic${topics.length === 1 ? '' : 's'}`;
    if (topicTotal > topics.length) summary += ` (the first ${topics.length} of ${topicTotal})`;
    $('topics-summary').textContent = `${summary}. Updated ${utcNow()}.`;
    $('panel-topics').dataset.state = 'ready';
  }

  function partitionRow(topic, parts) {
    const table = h('table', { class: 'steps' },
      h('thead', {}, h('tr', {}, ...['Partition', 'Leader', 'Replicas (in sync)', 'High watermark', 'Log end offset', 'Disk usage', 'Last update (UTC)'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...parts.map((p) =>
        h('tr', { 'data-partition': p.partition },
          h('td', {}, String(p.partition)),
          h('td', {}, String(p.leader ?? '—')),
          h('td', {}, (p.replicas || []).map((r) => `${r.broker}${r.in_sync ? '' : ' (out of sync)'}`).join(', ') || '—'),
          h('td', { class: 'hw' }, String(p.hw ?? '—')),
          h('td', { class: 'leo' }, String(p.leo ?? '—')),
          h('td', { class: 'usage' }, partUsage(topic, p.partition)),
          h('td', { class: 'time' }, formatTime(p.last_update_timestamp)),
        ))),
    );
    return h('tr', { class: 'progress-row', 'data-partitions-for': topic }, h('td', { colspan: '6' }, table));
  }

  async function toggleTopic(name) {
    clearError();
    if (topicOpen.has(name)) {
      topicOpen.delete(name);
      renderTopics();
      return;
    }
    topicOpen.add(name);
    const s = session;
    const inst = instance;
    try {
      await loadTopicDetail(s, inst, name);
    } catch (err) {
      topicOpen.delete(name);
      if (s === session && inst === instance) showError(`Could not load the partitions of “${name}”`, err);
    }
    if (s === session && inst === instance && tab === 'topics') renderTopics();
  }

  // ---------------------------------------------------------------------
  // Consumer groups, read from the cluster: state, coordinator and lag, and
  // for an open group its committed offset, end offset and lag per
  // partition. Resetting offsets starts a task, followed in Background Tasks.

  async function loadGroups() {
    const s = session;
    const inst = instance;
    const seq = ++loadSeq;
    stopPolling();
    const stale = () => s !== session || inst !== instance || seq !== loadSeq;
    $('panel-groups').dataset.state = 'loading';
    try {
      const list = await api(s, 'GET', projectPath('instances', inst.instance_id, 'groups'), [['offset', '0'], ['limit', '50']]);
      if (stale()) return;
      groups = (list && list.groups) || [];
      groupTotal = Number(list && list.total) || groups.length;
      const open = groups.filter((g) => groupOpen.has(g.group_id));
      await Promise.all(open.map((g) => loadGroupDetail(s, inst, g.group_id)));
      if (stale()) return;
      renderGroups();
    } catch (err) {
      if (stale()) return;
      $('panel-groups').dataset.state = 'error';
      showError('Could not load the consumer groups', err);
    }
  }

  async function loadGroupDetail(s, inst, name) {
    const d = await api(s, 'GET', projectPath('instances', inst.instance_id, 'management', 'groups', name));
    groupOffsets.set(name, (d && d.group) || {});
  }

  function renderGroups() {
    const rows = [];
    for (const g of groups) {
      const open = groupOpen.has(g.group_id);
      rows.push(
        h('tr', { 'data-group': g.group_id, 'data-state': g.state },
          h('td', {}, h('code', {}, g.group_id)),
          h('td', {}, g.state || '—'),
          h('td', {}, String(g.coordinator_id ?? '—')),
          h('td', { class: 'lag' }, String(g.lag ?? '—')),
          h('td', {}, h('div', { class: 'row-actions' },
            h('button', { type: 'button', class: 'secondary', 'data-action': 'offsets', 'data-group': g.group_id, 'aria-expanded': String(open) }, open ? 'Hide lag' : 'Lag per partition'),
            h('button', { type: 'button', class: 'secondary', 'data-action': 'reset-offsets', 'data-group': g.group_id }, 'Reset offsets'),
            h('button', { type: 'button', class: 'danger', 'data-action': 'delete-group', 'data-group': g.group_id, 'aria-label': `Delete consumer group ${g.group_id}` }, 'Delete'),
          )),
        ),
      );
      if (open && groupOffsets.has(g.group_id)) rows.push(offsetsRow(g.group_id, groupOffsets.get(g.group_id)));
    }
    $('groups-body').replaceChildren(...rows);
    $('groups-body').dataset.count = String(groups.length);
    $('groups-table').hidden = groups.length === 0;
    $('groups-empty').hidden = groups.length !== 0;
    let summary = `${groups.length} consumer group${groups.length === 1 ? '' : 's'}`;
    if (groupTotal > groups.length) summary += ` (the first ${groups.length} of ${groupTotal})`;
    $('groups-summary').textContent = `${summary}. Updated ${utcNow()}.`;
    $('panel-groups').dataset.state = 'ready';
  }

  function offsetsRow(name, g) {
    const offsets = g.group_message_offsets || [];
    const table = h('table', { class: 'steps' },
      h('thead', {}, h('tr', {}, ...['Topic', 'Partition', 'Committed offset', 'End offset', 'Lag'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...offsets.map((o) =>
        h('tr', { 'data-topic': o.topic, 'data-partition': o.partition },
          h('td', {}, h('code', {}, o.topic)),
          h('td', {}, String(o.partition)),
          h('td', { class: 'committed' }, String(o.message_current_offset ?? '—')),
          h('td', { class: 'end' }, String(o.message_log_end_offset ?? '—')),
          h('td', { class: 'lag' }, String(o.lag ?? '—')),
        ))),
    );
    const members = (g.members || []).length;
    return h('tr', { class: 'progress-row', 'data-offsets-for': name },
      h('td', { colspan: '5' }, h('p', { class: 'hint' }, `${members} member${members === 1 ? '' : 's'}`),
        offsets.length ? table : h('p', { class: 'hint' }, 'No committed offsets.')));
  }

  async function toggleGroup(name) {
    clearError();
    if (groupOpen.has(name)) {
      groupOpen.delete(name);
      renderGroups();
      return;
    }
    groupOpen.add(name);
    const s = session;
    const inst = instance;
    try {
      await loadGroupDetail(s, inst, name);
    } catch (err) {
      groupOpen.delete(name);
      if (s === session && inst === instance) showError(`Could not load the offsets of “${name}”`, err);
    }
    if (s === session && inst === instance && tab === 'groups') renderGroups();
  }

  // resetOffsets asks what to reset and starts the task; Background Tasks
  // then shows it, with its progress while it runs.
  async function resetOffsets(name) {
    clearError();
    const g = groupOffsets.get(name);
    const first = g && (g.group_message_offsets || [])[0];
    $('reset-text').textContent = `Move the committed offsets of “${name}”. The group must have no live members.`;
    $('reset-topic').value = first ? first.topic : '';
    $('reset-partition').value = '-1';
    $('reset-offset').value = '0';
    if (!(await openDialog($('reset-dialog'), $('reset-topic')))) return;
    const s = session;
    const inst = instance;
    const body = JSON.stringify({
      topic: $('reset-topic').value.trim(),
      partition: Number($('reset-partition').value),
      message_offset: Number($('reset-offset').value),
    });
    try {
      await api(s, 'POST', projectPath('instances', inst.instance_id, 'management', 'groups', name, 'reset-message-offset'), [], body);
    } catch (err) {
      if (s === session && inst === instance) showError(`Could not reset the offsets of “${name}”`, err);
      return;
    }
    if (s === session && inst === instance) selectTab('background');
  }

  async function deleteGroup(name, button) {
    clearError();
    const ok = await confirmDialog('Delete Consumer Group', `Delete the consumer group “${name}” and its committed offsets? A group with live members cannot be deleted.`);
    if (!ok || !session || !instance) return;
    const s = session;
    const inst = instance;
    button.disabled = true;
    try {
      await api(s, 'DELETE', projectPath('instances', inst.instance_id, 'groups', name));
      groupOpen.delete(name);
      groupOffsets.delete(name);
    } catch (err) {
      if (s === session && inst === instance) showError(`Could not delete the consumer group “${name}”`, err);
    }
    if (s === session && inst === instance && tab === 'groups') await loadGroups();
  }

  // ---------------------------------------------------------------------
  // Message query, read from the cluster by creation time (a window, an
  // optional partition and keyword) or by partition and offset, and a form
  // that sends one message.

  // loadTopicNames offers the instance's topics in the topic fields.
  async function loadTopicNames() {
    const s = session;
    const inst = instance;
    $('panel-messages').dataset.state = 'ready';
    try {
      const list = await api(s, 'GET', projectPath('instances', inst.instance_id, 'topics'), [['offset', '0'], ['limit', '200']]);
      if (s !== session || inst !== instance) return;
      $('mq-topics').replaceChildren(...((list && list.topics) || []).map((t) => h('option', { value: t.name })));
    } catch (err) {
      if (s === session && inst === instance) showError('Could not list the topics', err);
    }
  }

  function showQueryMode() {
    const by = $('mq-by').value;
    for (const el of document.querySelectorAll('#message-query [data-by]')) el.hidden = el.dataset.by !== by;
    $('mq-offset').required = by === 'offset';
    $('mq-partition').required = by === 'offset';
    $('mq-partition').min = by === 'offset' ? '0' : '-1';
  }

  // utcMillis reads a datetime-local value as UTC milliseconds, or ''.
  function utcMillis(value) {
    if (!value) return '';
    const ms = Date.parse(value.length === 16 ? value + ':00Z' : value + 'Z');
    if (Number.isNaN(ms)) throw new Error(`The time “${value}” is not a complete date and time.`);
    return String(ms);
  }

  async function queryMessages() {
    const s = session;
    const inst = instance;
    const topic = $('mq-topic').value.trim();
    const partition = $('mq-partition').value.trim();
    const pairs = [['topic', topic]];
    try {
      if ($('mq-by').value === 'offset') {
        pairs.push(['partition', partition], ['message_offset', $('mq-offset').value.trim()]);
      } else {
        const begin = utcMillis($('mq-begin').value);
        const end = utcMillis($('mq-end').value);
        if (begin) pairs.push(['start_time', begin]);
        if (end) pairs.push(['end_time', end]);
        if (partition) pairs.push(['partition', partition]);
        const kw = $('mq-keyword').value.trim();
        if (kw) pairs.push(['keyword', kw]);
        pairs.push(['limit', '50']);
      }
    } catch (err) {
      showError('Could not query messages', err);
      return;
    }
    $('panel-messages').dataset.state = 'loading';
    const button = $('mq-submit');
    button.disabled = true;
    try {
      const found = await api(s, 'GET', projectPath('instances', inst.instance_id, 'messages'), pairs);
      if (s !== session || inst !== instance) return;
      renderMessages((found && found.messages) || [], Number(found && found.total) || 0);
    } catch (err) {
      if (s !== session || inst !== instance) return;
      $('panel-messages').dataset.state = 'error';
      showError('Could not query messages', err);
    } finally {
      button.disabled = false;
    }
  }

  function renderMessages(messages, total) {
    $('messages-body').replaceChildren(...messages.map((m) =>
      h('tr', { 'data-partition': m.partition, 'data-offset': m.message_offset },
        h('td', {}, h('code', {}, m.topic)),
        h('td', {}, String(m.partition)),
        h('td', { class: 'offset' }, String(m.message_offset)),
        h('td', { class: 'key' }, m.key ?? ''),
        h('td', { class: 'params value' }, m.value ?? ''),
        h('td', {}, String(m.size ?? '—')),
        h('td', { class: 'time' }, formatTime(m.timestamp)),
      )));
    $('messages-body').dataset.count = String(messages.length);
    $('messages-table').hidden = messages.length === 0;
    $('messages-empty').hidden = messages.length !== 0;
    const more = total > messages.length ? ` (the first ${messages.length} of ${total})` : '';
    $('messages-summary').textContent = `${messages.length} message${messages.length === 1 ? '' : 's'}${more}. Updated ${utcNow()}.`;
    $('panel-messages').dataset.state = 'ready';
  }

  async function sendMessage() {
    const s = session;
    const inst = instance;
    const props = [];
    const key = $('ms-key').value;
    const partition = $('ms-partition').value.trim();
    if (key) props.push({ name: 'KEY', value: key });
    if (partition) props.push({ name: 'PARTITION', value: partition });
    const body = JSON.stringify({ topic: $('ms-topic').value.trim(), body: $('ms-body').value, property_list: props });
    const button = $('ms-submit');
    button.disabled = true;
    $('send-result').textContent = '';
    try {
      const sent = await api(s, 'POST', projectPath('instances', inst.instance_id, 'messages', 'action'), [['action_id', 'send']], body);
      if (s !== session || inst !== instance) return;
      const prop = (n) => ((sent && sent.property_list) || []).find((p) => p.name === n)?.value ?? '?';
      const out = $('send-result');
      out.dataset.partition = prop('PARTITION');
      out.dataset.offset = prop('OFFSET');
      out.textContent = `Sent to ${sent.topic}, partition ${prop('PARTITION')}, offset ${prop('OFFSET')} at ${utcNow()}.`;
    } catch (err) {
      if (s === session && inst === instance) showError('Could not send the message', err);
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------------
  // Operations that start tasks. Each one, once accepted, shows the
  // instance's Background Tasks, where a running task's progress is shown
  // and followed until it ends.

  // startTask sends the request that starts a task on the instance shown
  // and shows its Background Tasks; what refused it goes to the banner.
  async function startTask(what, method, segments, body, pairs = []) {
    const s = session;
    const inst = instance;
    try {
      await api(s, method, segments, pairs, body);
    } catch (err) {
      if (s === session && inst === instance) showError(`Could not ${what}`, err);
      return false;
    }
    if (s === session && inst === instance) selectTab('background');
    return true;
  }

  async function createInstance() {
    clearError();
    $('create-name').value = '';
    if (!(await openDialog($('create-dialog'), $('create-name')))) return;
    const s = session;
    const name = $('create-name').value.trim();
    let id;
    try {
      const zones = await api(s, 'GET', ['v2', 'available-zones']);
      const zone = ((zones && zones.available_zones) || [])[0];
      const body = JSON.stringify({
        name, engine: 'kafka', engine_version: '3.x',
        broker_num: Number($('create-brokers').value), storage_space: Number($('create-storage').value),
        product_id: $('create-flavor').value.trim(), storage_spec_code: 'dms.physical.storage.ultra.v2',
        vpc_id: 'vpc-console', security_group_id: 'sg-console', subnet_id: 'subnet-console',
        available_zones: zone ? [zone.id] : [], enable_auto_topic: $('create-autotopic').checked,
      });
      const made = await api(s, 'POST', projectPath('kafka', 'instances'), [], body);
      id = made && made.instance_id;
      const list = await api(s, 'GET', projectPath('instances'));
      if (s !== session) return;
      renderInstances(list);
    } catch (err) {
      if (s === session) showError(`Could not create the instance “${name}”`, err);
      return;
    }
    // Its creation is a task: show it, with its progress, at once.
    if (id) openInstance(id);
  }

  async function restartInstance() {
    clearError();
    const inst = instance;
    if (!(await confirmDialog('Restart Instance', `Restart the instance “${inst.name}”? Its brokers stop and start again; clients reconnect.`))) return;
    if (inst !== instance) return;
    await startTask('restart the instance', 'POST', projectPath('instances', 'action'), JSON.stringify({ action: 'restart', instances: [inst.instance_id] }));
  }

  async function toggleAutoTopic() {
    clearError();
    const inst = instance;
    const enable = inst.enable_auto_topic !== true;
    const word = enable ? 'Enable' : 'Disable';
    if (!(await confirmDialog(`${word} Automatic Topic Creation`, `${word} automatic topic creation on “${inst.name}”? The brokers restart to apply it.`))) return;
    if (inst !== instance) return;
    await startTask('change automatic topic creation', 'POST', projectPath('instances', inst.instance_id, 'autotopic'), JSON.stringify({ enable_auto_topic: enable }));
  }

  async function modifyConfig() {
    clearError();
    const s = session;
    const inst = instance;
    try {
      const configs = await api(s, 'GET', projectPath('instances', inst.instance_id, 'configs'));
      $('config-names').replaceChildren(...((configs && configs.kafka_configs) || []).map((c) => h('option', { value: c.name }, `${c.name} (${c.value})`)));
    } catch (err) {
      if (s === session && inst === instance) showError('Could not read the Kafka parameters', err);
      return;
    }
    $('config-name').value = '';
    $('config-value').value = '';
    if (!(await openDialog($('config-dialog'), $('config-name')))) return;
    if (s !== session || inst !== instance) return;
    const body = JSON.stringify({ kafka_configs: [{ name: $('config-name').value.trim(), value: $('config-value').value.trim() }] });
    await startTask('modify the Kafka parameter', 'PUT', projectPath('instances', inst.instance_id, 'configs'), body);
  }

  async function deleteInstance() {
    clearError();
    const s = session;
    const inst = instance;
    if (!(await confirmDialog('Delete Instance', `Delete the instance “${inst.name}” (${inst.instance_id}) and everything on it? This cannot be undone.`))) return;
    if (s !== session || inst !== instance) return;
    try {
      await api(s, 'DELETE', projectPath('instances', inst.instance_id));
    } catch (err) {
      if (s === session && inst === instance) showError(`Could not delete the instance “${inst.name}”`, err);
      return;
    }
    // The instance list follows it while it is DELETING, until it is gone.
    if (s === session && inst === instance) backToInstances();
  }

  // ---------------------------------------------------------------------
  // Dialogs.

  // openDialog shows d modally and resolves true when this opening closes
  // with OK. It watches the open attribute, not the close event: that event
  // is queued, so the one of an earlier closing (Cancel, then Delete again at
  // once, or on a loaded machine) can arrive after showModal and would
  // answer the new question. Mutation records are delivered at the end of
  // the task that closed the dialog, before another task can open it again
  // (a script that closes and reopens it in one task gets "no" for the
  // first: nothing happens, the safe answer).
  function openDialog(d, focus) {
    return new Promise((resolve) => {
      d.returnValue = '';
      const watch = new MutationObserver((records) => {
        if (!records.some((r) => r.oldValue !== null)) return; // only opened
        watch.disconnect();
        resolve(d.returnValue === 'ok');
      });
      watch.observe(d, { attributes: true, attributeFilter: ['open'], attributeOldValue: true });
      d.showModal();
      if (focus) focus.focus();
    });
  }

  function confirmDialog(title, text) {
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    // The safe choice has the focus, as in the cloud console.
    return openDialog($('confirm-dialog'), $('confirm-cancel'));
  }

  // ---------------------------------------------------------------------
  // Wiring.

  function init() {
    $('endpoint').textContent = location.origin;
    $('signin-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', signOut);
    $('error-dismiss').addEventListener('click', clearError);
    $('instances-refresh').addEventListener('click', () => {
      clearError();
      loadInstances();
    });
    $('instances-body').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-action="open-instance"]');
      if (b) openInstance(b.dataset.instanceId);
    });
    $('back-to-instances').addEventListener('click', backToInstances);

    for (const t of ['background', 'scheduled']) {
      $(`tab-${t}`).addEventListener('click', () => {
        clearError();
        selectTab(t);
      });
    }
    for (const t of ['topics', 'groups', 'messages']) {
      $(`tab-${t}`).addEventListener('click', () => {
        clearError();
        selectTab(t);
      });
    }
    document.querySelector('[role="tablist"]').addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
      const i = TABS.indexOf(tab) + (ev.key === 'ArrowRight' ? 1 : -1);
      const next = TABS[(i + TABS.length) % TABS.length];
      selectTab(next);
      $(`tab-${next}`).focus();
    });

    $('task-filter').addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearError();
      reload();
    });
    $('tasks-refresh').addEventListener('click', () => {
      clearError();
      reload();
    });
    $('task-range-clear').addEventListener('click', () => {
      $('task-begin').value = '';
      $('task-end').value = '';
      clearError();
      reload();
    });
    for (const id of ['task-begin', 'task-end']) {
      $(id).addEventListener('change', () => {
        clearError();
        reload();
      });
    }
    // The keyword filters what was fetched at once; Enter fetches again.
    $('task-search').addEventListener('input', () => {
      if (tab === 'background') renderTasks();
      else if (jobs) renderScheduled();
    });

    $('tasks-body').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-action]');
      if (!b) return;
      if (b.dataset.action === 'delete') deleteTask(b.dataset.taskId, b);
      else if (b.dataset.action === 'progress') toggleProgress(b.dataset.taskId);
    });
    $('scheduled-body').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-action]');
      if (!b) return;
      if (b.dataset.action === 'reschedule') rescheduleTask(b.dataset.taskId);
      else if (b.dataset.action === 'cancel-scheduled') cancelScheduled(b.dataset.taskId);
    });

    $('topics-refresh').addEventListener('click', () => {
      clearError();
      loadTopics();
    });
    $('topics-body').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-action="partitions"]');
      if (b) toggleTopic(b.dataset.topic);
    });
    $('groups-refresh').addEventListener('click', () => {
      clearError();
      loadGroups();
    });
    $('groups-body').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-action]');
      if (!b) return;
      if (b.dataset.action === 'offsets') toggleGroup(b.dataset.group);
      else if (b.dataset.action === 'reset-offsets') resetOffsets(b.dataset.group);
      else if (b.dataset.action === 'delete-group') deleteGroup(b.dataset.group, b);
    });

    $('instance-create').addEventListener('click', createInstance);
    $('instance-restart').addEventListener('click', restartInstance);
    $('instance-autotopic-toggle').addEventListener('click', toggleAutoTopic);
    $('instance-config').addEventListener('click', modifyConfig);
    $('instance-delete').addEventListener('click', deleteInstance);
    $('mq-by').addEventListener('change', showQueryMode);
    $('message-query').addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearError();
      queryMessages();
    });
    $('message-send').addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearError();
      sendMessage();
    });

    showView('signin');
    $('access-key').focus();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
