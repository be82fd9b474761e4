import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

// No <StrictMode>: its double-run of effects would start a call's media session twice.
createRoot(root).render(<App />);
