// Which browser the app runs in, from the user agent: the in-app browsers of WeChat, WeCom,
// QQ, DingTalk and Alipay (what most people scan a QR code with; their storage is not kept
// reliably and nothing can be installed there), QQ Browser, and iOS, where Safari deletes the
// storage of a site not on the home screen after 7 days without use. No DOM here.

// Order matters: WeCom's agent also says MicroMessenger, and WeChat's and QQ's Android
// agents also carry MQQBrowser (their X5 web view).
const IN_APP = [
  ['wecom', /\bwxwork\//i],
  ['wechat', /MicroMessenger\//i],
  ['dingtalk', /DingTalk\//i],
  ['alipay', /AlipayClient\//i],
  ['qq', /(^|[\s;(])QQ\/\d/],
  ['qqbrowser', /MQQBrowser\//i],
];

/** The app whose built-in browser this is ('wechat', 'wecom', 'qq', 'dingtalk', 'alipay',
 * or 'qqbrowser' for QQ Browser), or null for an ordinary browser. */
export function inAppBrowser(userAgent = '') {
  for (const [app, pattern] of IN_APP) if (pattern.test(userAgent)) return app;
  return null;
}

/** What the user must do to open the page in the system browser: the key of its steps. */
export function openInBrowserSteps(app) {
  return app === 'wecom' ? 'inapp_steps_wechat' : `inapp_steps_${app}`;
}

/** iPhone, iPod or iPad (iPadOS 13+ says "Macintosh" but has a touch screen). */
export function isIOS(userAgent = '', maxTouchPoints = 0) {
  return /iPhone|iPad|iPod/.test(userAgent) || (/Macintosh/.test(userAgent) && maxTouchPoints > 1);
}

/** Opened from the home screen (installed), not in a browser tab. */
export function isStandalone(win = globalThis) {
  return Boolean(win.navigator?.standalone || win.matchMedia?.('(display-mode: standalone)').matches);
}

/** The guidance this browser needs: {inApp: app|null, addToHomeScreen: bool}. */
export function fieldGuidance(win = globalThis) {
  const agent = win.navigator?.userAgent || '';
  const inApp = inAppBrowser(agent);
  const ios = isIOS(agent, win.navigator?.maxTouchPoints || 0);
  return { inApp, addToHomeScreen: !inApp && ios && !isStandalone(win) };
}
