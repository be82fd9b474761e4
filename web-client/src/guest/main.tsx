import { createRoot } from 'react-dom/client';
import { GuestApp } from './GuestApp.tsx';
import '../styles.css';
import './guest.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from guest.html');

// No <StrictMode>: its double-run of effects would start the call's media twice.
createRoot(root).render(<GuestApp />);
