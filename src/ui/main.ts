import './install-connect-policy.ts';
import './gpt2-app.ts';
