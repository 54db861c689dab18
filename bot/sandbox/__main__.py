"""Run the WeCom sandbox, its chat console and its mail server: `python -m bot.sandbox`."""
from __future__ import annotations

import sys

from werkzeug.serving import run_simple

from config.settings import SettingsError, get_settings

from .app import create_sandbox_app
from .mail import start_mail_server


def main() -> int:
    """Serve the sandbox on 127.0.0.1:SANDBOX_PORT and its SMTP server on 127.0.0.1:SANDBOX_SMTP_PORT until
    interrupted."""
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
    port, smtp_port = settings.sandbox_port, settings.sandbox_smtp_port
    try:
        mail = start_mail_server(app.extensions["sandbox"], smtp_port)
    except OSError as exc:
        print(f"沙箱邮件服务无法监听 127.0.0.1:{smtp_port}（SANDBOX_SMTP_PORT）/ the sandbox's SMTP server "
              f"cannot listen there: {exc}", file=sys.stderr)
        return 2
    print(f"WeCom sandbox: chat console at http://127.0.0.1:{port}/console")
    print(f"  fake API at http://127.0.0.1:{port}/cgi-bin/ ; callbacks go to {app.config['SANDBOX_CALLBACK_URL']}")
    print(f"  SMTP server at 127.0.0.1:{smtp_port} ; mailboxes at http://127.0.0.1:{port}/console/mail")
    try:
        run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)
    finally:
        mail.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
