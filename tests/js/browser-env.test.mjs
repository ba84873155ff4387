// In-app browser and iOS detection from real user agents, without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fieldGuidance, inAppBrowser, isIOS, openInBrowserSteps } from '../../pwa_static/js/browser-env.js';

// User agents as these apps and browsers send them (versions vary; the markers do not).
const AGENTS = {
  wechat_android:
    'Mozilla/5.0 (Linux; Android 13; V2203A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/1110005 MMWEBSDK/20231002 MMWEBID/2585 ' +
    'MicroMessenger/8.0.43.2480(0x28002B37) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
  wechat_ios:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
    'Mobile/15E148 MicroMessenger/8.0.44(0x18002c2d) NetType/WIFI Language/zh_CN',
  wechat_x5:
    'Mozilla/5.0 (Linux; Android 10; PCT-AL10 Build/HUAWEIPCT-AL10; wv) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Version/4.0 Chrome/78.0.3904.62 XWEB/2691 MMWEBSDK/201201 Mobile Safari/537.36 MMWEBID/1234 ' +
    'MicroMessenger/7.0.22.1820(0x2700163B) Process/toolsmp WeChat/arm64 NetType/4G Language/zh_CN ' +
    'ABI/arm64 MQQBrowser/6.2 TBS/045514',
  wecom:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
    'Mobile/15E148 wxwork/4.1.10 MicroMessenger/7.0.1 Language/zh ColorScheme/Light',
  qq_android:
    'Mozilla/5.0 (Linux; Android 12; M2102K1C Build/SKQ1.211006.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Version/4.0 Chrome/98.0.4758.102 MQQBrowser/6.2 TBS/046317 Mobile Safari/537.36 V1_AND_SQ_8.9.28_3700_YYB_D ' +
    'A_8092800 QQ/8.9.28.10155 NetType/WIFI WebP/0.3.0 AppId/537151682 Pixel/1440 StatusBarHeight/110',
  qq_ios:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
    'Mobile/15E148 QQ/8.9.33.612 V1_IPH_SQ_8.9.33_1_APP_A Pixel/1170 MiniAppEnable SimpleUISwitch/0 ' +
    'StudyMode/0 CurrentMode/0 CurrentFontScale/1.000000 QQTheme/1000 Core/WKWebView Device/Apple(iPhone 13) ' +
    'NetType/WIFI QBWebViewType/1 WKType/1',
  qqbrowser:
    'Mozilla/5.0 (Linux; U; Android 12; zh-cn; PGKM10 Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Version/4.0 Chrome/109.0.5414.86 MQQBrowser/14.3 Mobile Safari/537.36 COVC/046817',
  dingtalk:
    'Mozilla/5.0 (Linux; U; Android 11; zh-CN; M2012K11AC Build/RKQ1.200826.002) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.33 Mobile Safari/537.36 AliApp(DingTalk/7.0.10) ' +
    'com.alibaba.android.rimet/30493017 Channel/227200 language/zh-CN abi/64 UT4Aplus/0.2.25 colorScheme/light',
  alipay:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
    'Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.5.36.6000) Nebula WK RVKType(0) AlipayDefined(nt:WIFI,ws:390|780|3.0) ' +
    'AlipayClient/10.5.36.6000 Language/zh-Hans Region/CN NebulaX/1.0.0',
  chrome_android:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  safari_ios:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
    'Version/17.1 Mobile/15E148 Safari/604.1',
  ipados:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  huawei_browser:
    'Mozilla/5.0 (Linux; Android 10; HarmonyOS; ELS-AN00; HMSCore 6.12.0.302) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Chrome/99.0.4844.88 HuaweiBrowser/14.0.2.311 Mobile Safari/537.36',
};

test('each in-app browser is recognised, ordinary browsers are not', () => {
  const expected = {
    wechat_android: 'wechat',
    wechat_ios: 'wechat',
    wechat_x5: 'wechat', // carries MQQBrowser too: still WeChat
    wecom: 'wecom', // carries MicroMessenger too
    qq_android: 'qq', // carries MQQBrowser too
    qq_ios: 'qq',
    qqbrowser: 'qqbrowser',
    dingtalk: 'dingtalk',
    alipay: 'alipay',
    chrome_android: null,
    safari_ios: null,
    ipados: null,
    huawei_browser: null,
  };
  for (const [name, app] of Object.entries(expected)) assert.equal(inAppBrowser(AGENTS[name]), app, name);
});

test('each in-app browser has its own steps to open the system browser', () => {
  assert.equal(openInBrowserSteps('wechat'), 'inapp_steps_wechat');
  assert.equal(openInBrowserSteps('wecom'), 'inapp_steps_wechat');
  assert.equal(openInBrowserSteps('alipay'), 'inapp_steps_alipay');
});

test('iOS, including iPadOS that calls itself a Mac', () => {
  assert.equal(isIOS(AGENTS.safari_ios), true);
  assert.equal(isIOS(AGENTS.ipados, 5), true);
  assert.equal(isIOS(AGENTS.ipados, 0), false); // a real Mac
  assert.equal(isIOS(AGENTS.chrome_android), false);
});

function fakeWindow(userAgent, { standalone = false, touch = 0 } = {}) {
  return {
    navigator: { userAgent, maxTouchPoints: touch, standalone },
    matchMedia: (query) => ({ matches: standalone && query === '(display-mode: standalone)' }),
  };
}

test('guidance: open in the browser from an in-app browser; add to the home screen on iOS', () => {
  assert.deepEqual(fieldGuidance(fakeWindow(AGENTS.wechat_ios)), { inApp: 'wechat', addToHomeScreen: false });
  assert.deepEqual(fieldGuidance(fakeWindow(AGENTS.safari_ios)), { inApp: null, addToHomeScreen: true });
  assert.deepEqual(fieldGuidance(fakeWindow(AGENTS.safari_ios, { standalone: true })), {
    inApp: null,
    addToHomeScreen: false,
  });
  assert.deepEqual(fieldGuidance(fakeWindow(AGENTS.chrome_android)), { inApp: null, addToHomeScreen: false });
});
