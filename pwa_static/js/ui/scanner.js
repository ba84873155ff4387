// The in-app QR scanner: a full-screen overlay on the rear camera that reads a site label
// and opens that site's form with the scan recorded (/s/<code>?k=<token>).
//
// Decoding: the browser's BarcodeDetector where it reads QR codes (Android Chrome), else the
// vendored jsQR (pwa_static/vendor/jsqr/, Apache-2.0), loaded on first use as a classic
// script. Both files are precached by the service worker, so scanning works underground.
//
// What a label says is checked here exactly as the server does (webapp/qr.py
// parse_label_url; shared cases in tests/contract/qr_label_urls.json): a QR code that is not
// ours gets a message and scanning goes on; so does a site that is not in this phone's
// cached site list (outside the user's scope, or the list is stale).

import { lang } from '../i18n.js';
import * as reference from '../reference.js';
import { h, navigate } from './dom.js';

const JSQR_URL = new URL('../../vendor/jsqr/jsQR.js', import.meta.url).href;
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
const LABEL_PATH = /^\/s\/([^/?#\s]{1,200})\/?$/;
const SCAN_EVERY_MS = 150; // about 6 decodes a second: enough, and kind to old phones
const DECODE_WIDTH = 640; // frames are scaled down to this before jsQR reads them

const STRINGS = {
  zh: {
    title: '扫描工程二维码',
    hint: '将工程入口的二维码放入框内',
    close: '关闭',
    torch: '手电筒',
    starting: '正在打开相机…',
    not_ours: '这不是人防日检的工程二维码。请扫描工程入口的检查标签。',
    not_in_scope: '工程 {code} 不在您的工程列表中（不在管辖范围内，或列表未更新）。请联网刷新工程列表，或联系管理员。',
    no_camera: '未找到可用的相机。可用手机自带相机扫描标签。',
    denied: '相机权限被拒绝。请在浏览器设置中允许使用相机，或用手机自带相机扫描标签。',
    insecure: '此页面无法使用相机（需要 HTTPS）。可用手机自带相机扫描标签。',
    failed: '相机无法启动：{message}',
    decoder_failed: '二维码识别组件未能加载。请联网后重新打开应用。',
  },
  en: {
    title: 'Scan a site QR code',
    hint: 'Fit the QR code at the site entrance in the frame',
    close: 'Close',
    torch: 'Torch',
    starting: 'Opening the camera…',
    not_ours: 'This is not a 人防日检 site code. Scan the check label at the site entrance.',
    not_in_scope: 'Site {code} is not in your site list (outside your area, or the list is out of date). Refresh the list online, or ask your administrator.',
    no_camera: 'No camera found. Scan the label with the phone’s camera app instead.',
    denied: 'Camera permission denied. Allow the camera in the browser settings, or scan the label with the phone’s camera app.',
    insecure: 'The camera is not available on this page (it needs HTTPS). Scan the label with the phone’s camera app.',
    failed: 'The camera did not start: {message}',
    decoder_failed: 'The QR reader did not load. Open the app once while online.',
  },
};

function say(key, values = {}) {
  const table = STRINGS[lang()] || STRINGS.zh;
  return table[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/**
 * What a scanned text means: {kind: 'ours', code, token, path} for a label of this
 * installation, else {kind: 'not_ours', reason}. ``origins`` are the accepted
 * scheme://host[:port] values (default: this page's origin, which is where labels point).
 * @param {string} text
 * @param {{origins?: string[]}} [options]
 */
export function parseLabel(text, { origins = [location.origin] } = {}) {
  let url;
  try {
    url = new URL(String(text || '').trim());
  } catch {
    return { kind: 'not_ours', reason: 'not_a_url' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'not_ours', reason: 'not_a_url' };
  const accepted = origins.map((origin) => new URL(origin));
  const base = accepted.find((candidate) => candidate.origin === url.origin);
  if (!base) return { kind: 'not_ours', reason: 'other_host' };
  let path = url.pathname;
  const prefix = base.pathname.replace(/\/$/, '');
  if (prefix) {
    if (!path.startsWith(prefix + '/')) return { kind: 'not_ours', reason: 'other_path' };
    path = path.slice(prefix.length);
  }
  const match = LABEL_PATH.exec(path);
  if (!match) return { kind: 'not_ours', reason: 'other_path' };
  const tokens = url.searchParams.getAll('k');
  if (tokens.length !== 1 || !TOKEN.test(tokens[0])) return { kind: 'not_ours', reason: 'no_token' };
  let code;
  try {
    code = decodeURIComponent(match[1]);
  } catch {
    return { kind: 'not_ours', reason: 'other_path' };
  }
  const token = tokens[0];
  return { kind: 'ours', code, token, path: `/s/${encodeURIComponent(code)}?k=${token}` };
}

let current = null; // the open scanner, at most one

/**
 * Open the full-screen scanner. Resolves when it closes: with the label it opened
 * ({code, token, path}) or null when the user closed it.
 * @param {{origins?: string[], knownSite?: (code: string) => Promise<boolean>}} [options]
 */
export function openScanner(options = {}) {
  if (current) return current.done;
  current = new Scanner(options);
  current.start();
  return current.done;
}

/** Close the scanner if it is open (e.g. when leaving the screen). */
export function closeScanner() {
  current?.close(null);
}

class Scanner {
  constructor({ origins, knownSite = siteIsCached } = {}) {
    this.origins = origins || [location.origin];
    this.knownSite = knownSite;
    this.stream = null;
    this.timer = null;
    this.busy = false;
    this.lastText = null;
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.onKey = (event) => event.key === 'Escape' && this.close(null);
    this.onHidden = () => document.visibilityState === 'hidden' && this.close(null);
    this.onBack = () => this.close(null); // the back button leaves the scanner, camera off
  }

  start() {
    injectStyle();
    this.returnFocus = document.activeElement;
    this.video = h('video', { class: 'scanner-video', playsinline: true, muted: true, autoplay: true });
    this.video.muted = true;
    this.message = h('p', { class: 'scanner-message', role: 'status', 'aria-live': 'polite' }, say('starting'));
    const closeButton = h('button', { type: 'button', class: 'scanner-close', onclick: () => this.close(null) }, say('close'));
    // Shown only when the camera has a torch: shelters are dark.
    this.torchButton = h('button', { type: 'button', class: 'scanner-torch', hidden: true, 'aria-pressed': 'false', onclick: () => this.toggleTorch() }, say('torch'));
    this.overlay = h(
      'div',
      { class: 'scanner', id: 'scanner', role: 'dialog', 'aria-modal': 'true', 'aria-label': say('title') },
      this.video,
      h('div', { class: 'scanner-frame', 'aria-hidden': 'true' }),
      h('div', { class: 'scanner-top' }, h('h2', {}, say('title')), this.torchButton, closeButton),
      h('div', { class: 'scanner-bottom' }, h('p', { class: 'scanner-hint' }, say('hint')), this.message),
    );
    document.body.append(this.overlay);
    closeButton.focus();
    document.addEventListener('keydown', this.onKey);
    document.addEventListener('visibilitychange', this.onHidden);
    window.addEventListener('popstate', this.onBack);
    this.run().catch((error) => this.show(say('failed', { message: error?.message || error })));
  }

  async run() {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.show(say('insecure'));
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (error) {
      const key = error?.name === 'NotAllowedError' || error?.name === 'SecurityError' ? 'denied'
        : error?.name === 'NotFoundError' || error?.name === 'OverconstrainedError' ? 'no_camera' : null;
      this.show(key ? say(key) : say('failed', { message: error?.message || error?.name }));
      return;
    }
    if (this.closed) return this.stopCamera();
    this.video.srcObject = this.stream;
    this.offerTorch();
    await this.video.play().catch(() => {});
    let detect;
    try {
      detect = await makeDetector();
    } catch {
      this.show(say('decoder_failed'));
      return;
    }
    if (this.closed) return;
    this.show('');
    this.overlay.dataset.state = 'scanning';
    const tick = async () => {
      if (this.closed) return;
      if (!this.busy && this.video.readyState >= 2) {
        this.busy = true;
        try {
          const text = await detect(this.video);
          if (text) await this.onText(text);
        } catch (error) {
          console.warn('scanner', error);
        } finally {
          this.busy = false;
        }
      }
      if (!this.closed) this.timer = setTimeout(tick, SCAN_EVERY_MS);
    };
    tick();
  }

  async onText(text) {
    if (text === this.lastText) return; // the same code in view: its message is showing
    this.lastText = text;
    const label = parseLabel(text, { origins: this.origins });
    if (label.kind !== 'ours') {
      this.show(say('not_ours'), 'warn');
      return;
    }
    if (!(await this.knownSite(label.code))) {
      this.show(say('not_in_scope', { code: label.code }), 'warn');
      return;
    }
    this.close(label);
    navigate(label.path);
  }

  offerTorch() {
    const track = this.stream?.getVideoTracks()[0];
    this.torchButton.hidden = !track?.getCapabilities?.().torch;
  }

  async toggleTorch() {
    const track = this.stream?.getVideoTracks()[0];
    const on = this.torchButton.getAttribute('aria-pressed') !== 'true';
    try {
      await track.applyConstraints({ advanced: [{ torch: on }] });
      this.torchButton.setAttribute('aria-pressed', String(on));
    } catch {
      this.torchButton.hidden = true;
    }
  }

  show(text, tone = '') {
    this.message.textContent = text;
    this.message.dataset.tone = tone;
  }

  stopCamera() {
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.stream = null;
  }

  close(result) {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.stopCamera();
    document.removeEventListener('keydown', this.onKey);
    document.removeEventListener('visibilitychange', this.onHidden);
    window.removeEventListener('popstate', this.onBack);
    this.overlay.remove();
    if (this.returnFocus?.isConnected) this.returnFocus.focus();
    current = null;
    this.resolve(result);
  }
}

async function siteIsCached(code) {
  const sites = await reference.sites();
  return sites.some((site) => site.code === code);
}

/** A function video → decoded text or null, using the best decoder this browser has. */
async function makeDetector() {
  if ('BarcodeDetector' in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes('qr_code')) {
        const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
        return async (video) => (await detector.detect(video))[0]?.rawValue || null;
      }
    } catch {
      // Fall through to jsQR.
    }
  }
  const jsQR = await loadJsQR();
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    const scale = Math.min(1, DECODE_WIDTH / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const frame = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' })?.data || null;
  };
}

let jsQRLoading = null;

function loadJsQR() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  jsQRLoading ||= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = JSQR_URL;
    script.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error('jsQR missing')));
    script.onerror = () => {
      jsQRLoading = null;
      script.remove();
      reject(new Error('jsQR did not load'));
    };
    document.head.append(script);
  });
  return jsQRLoading;
}

function injectStyle() {
  if (document.getElementById('scanner-style')) return;
  document.head.append(h('style', { id: 'scanner-style' }, `
.scanner { position: fixed; inset: 0; z-index: 1000; background: #000; color: #fff; }
.scanner-video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; }
.scanner-frame { position: absolute; left: 50%; top: 45%; width: min(70vw, 60vh); aspect-ratio: 1;
  transform: translate(-50%, -50%); border: 3px solid rgba(255,255,255,.9); border-radius: 12px;
  box-shadow: 0 0 0 100vmax rgba(0,0,0,.45); }
.scanner-top, .scanner-bottom { position: absolute; left: 0; right: 0; padding: 12px 16px;
  display: flex; gap: 12px; align-items: center; }
.scanner-top { top: 0; justify-content: space-between; padding-top: max(12px, env(safe-area-inset-top)); }
.scanner-top h2 { margin: 0; font-size: 1.1rem; }
.scanner-bottom { bottom: 0; flex-direction: column; align-items: stretch;
  padding-bottom: max(16px, env(safe-area-inset-bottom)); }
.scanner-hint { margin: 0; text-align: center; opacity: .9; }
.scanner-message { margin: 0; text-align: center; min-height: 1.5em; font-size: 1.05rem; }
.scanner-message[data-tone="warn"] { background: #b3261e; color: #fff; padding: 10px 12px; border-radius: 8px; }
.scanner-top h2 { flex: 1; }
.scanner-torch[aria-pressed="true"] { background: #fff; color: #000; }
.scanner-close, .scanner-torch { min-width: 88px; min-height: 48px; font-size: 1rem; border-radius: 8px;
  border: 2px solid #fff; background: rgba(0,0,0,.5); color: #fff; }
`));
}
