"""Run the WeCom sandbox and its chat console: `python -m bot.sandbox`."""
from __future__ import annotations

import sys

from werkzeug.serving import run_simple

from config.settings import SettingsError, get_settings

from .app import create_sandbox_app


def main() -> int:
    """Serve the sandbox on 127.0.0.1:SANDBOX_PORT until interrupted."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"设置有误 / invalid settings: {exc}", file=sys.stderr)
        return 2
    if not settings.sandbox:
        print("WECOM_CORP_ID is set, so the product talks to the real WeCom; the sandbox will not start.\n"
              "已配置真实企业微信（WECOM_CORP_ID），沙箱不启动。去掉 WECOM_CORP_ID 即可使用沙箱。",
              file=sys.stderr)
        return 2
    app = create_sandbox_app(settings)
    port = settings.sandbox_port
    print(f"WeCom sandbox: chat console at http://127.0.0.1:{port}/console")
    print(f"  fake API at http://127.0.0.1:{port}/cgi-bin/ ; callbacks go to {app.config['SANDBOX_CALLBACK_URL']}")
    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
