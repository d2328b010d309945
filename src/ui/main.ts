import './gpt2-app.ts';
